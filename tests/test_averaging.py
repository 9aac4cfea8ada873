"""Weight averaging (``train.ema``): the average warms up as documented, validation and
the trained model use it, a checkpoint resumes the same average, and a model file saved
without its training state holds none of it."""

from __future__ import annotations

import numpy as np
import pytest

from keras_attn.averaging import AveragedAdam, average_in, averaging_optimizer, swap_average
from keras_attn.config import ConfigurationError, preset
from keras_attn.saving import load_model, save_model
from keras_attn.text import make_dataset
from keras_attn.training import train
from tests.helpers import reverse_pairs

PAIRS = reverse_pairs(200, seed=3)
VALIDATION = reverse_pairs(20, seed=4)
CONFIG = preset("tiny").replace(
    **{
        "train.epochs": 3,
        "train.batch_size": 50,
        "train.learning_rate": 0.02,
        "train.ema": 0.9,
    }
)


def test_the_average_warms_up_then_decays_at_the_set_rate():
    """After n updates the average moves by 1 - min(ema, n / (n + 10)): the first update
    replaces the initial weights, later ones follow the recursion."""
    import keras

    variable = keras.Variable(np.zeros(3, "float32"))
    optimizer = AveragedAdam(learning_rate=0.1, use_ema=True, ema_momentum=0.9)
    expected = None
    for n in range(120):
        optimizer.apply_gradients([(np.full(3, 1.0 + n % 3, "float32"), variable)])
        value = np.asarray(variable)
        decay = min(0.9, n / (n + 10.0))
        expected = value if expected is None else decay * expected + (1 - decay) * value
        average = np.asarray(optimizer._model_variables_moving_average[0])
        np.testing.assert_allclose(average, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(np.asarray(variable), expected)  # an average, not the weights


def test_config_checks_the_decay():
    with pytest.raises(ConfigurationError, match="train.ema"):
        CONFIG.replace(**{"train.ema": 1.0}).validate()


@pytest.fixture(scope="module")
def averaged(tmp_path_factory):
    folder = tmp_path_factory.mktemp("averaged")
    reported = []  # the weights each epoch's report sees

    def on_progress(event):
        if event["kind"] == "epoch":
            reported.append(result_model[0].get_weights())

    result_model = []
    from keras_attn.training import build_model

    model = build_model(CONFIG, PAIRS)
    result_model.append(model)
    result = train(
        PAIRS,
        CONFIG,
        validation_pairs=VALIDATION,
        checkpoint_dir=folder / "ck",
        model=model,
        on_progress=on_progress,
    )
    return result, folder, reported


def validation_loss(model):
    data = make_dataset(
        VALIDATION, model.source_text, model.target_text, batch_size=50, shuffle=False
    )
    return model.evaluate(data, verbose=0, return_dict=True)["loss"]


def test_validation_and_the_result_use_the_average(averaged):
    """The trained model is the average of its best epoch: its validation loss is the one
    logged for that epoch; the last weights (kept in the optimizer's slots of the
    checkpoint) score otherwise."""
    result, folder, reported = averaged
    model = result.model
    assert isinstance(averaging_optimizer(model), AveragedAdam)
    logged = result.history["val_loss"][result.best_epoch - 1]
    assert validation_loss(model) == pytest.approx(logged, rel=1e-4)

    # The checkpoint of the last epoch: the average in the model, the last weights in
    # the optimizer's slots; the logged validation loss is the average's.
    checkpoint = load_model(folder / "ck" / "last.keras", compile=True)
    last_logged = result.history["val_loss"][-1]
    assert validation_loss(checkpoint) == pytest.approx(last_logged, rel=1e-5)
    # The epoch's report (the wizard's samples) saw the same weights.
    assert len(reported) == 3
    for a, b in zip(reported[-1], checkpoint.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    optimizer = averaging_optimizer(checkpoint)
    last = [np.asarray(v) for v in optimizer._model_variables_moving_average]
    for variable, value in zip(optimizer._trainable_variables, last, strict=True):
        variable.assign(value)
    assert abs(validation_loss(checkpoint) - last_logged) > 1e-4 * last_logged


def test_a_resumed_run_continues_the_same_average(averaged, tmp_path):
    """Interrupted after one epoch and resumed, a run ends with the weights of the
    uninterrupted one: the checkpoint swapped the average and the last weights, and the
    resumed run swaps them back before training."""
    reference, _, _ = averaged
    folder = tmp_path / "run"
    train(
        PAIRS,
        CONFIG.replace(**{"train.epochs": 1}),
        validation_pairs=VALIDATION,
        checkpoint_dir=folder,
    )
    resumed = train(PAIRS, CONFIG, validation_pairs=VALIDATION, checkpoint_dir=folder, resume=True)
    assert resumed.epochs_done == 3
    np.testing.assert_allclose(
        resumed.history["val_loss"], reference.history["val_loss"], rtol=1e-4
    )
    for a, b in zip(resumed.model.get_weights(), reference.model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_average_in_shows_the_average_between_steps_and_puts_the_weights_back(averaged):
    result, folder, _ = averaged
    checkpoint = load_model(folder / "ck" / "last.keras", compile=True)
    optimizer = averaging_optimizer(checkpoint)
    # As between two steps of a resumed run: the last weights in the model.
    swap_average(checkpoint)
    last = checkpoint.get_weights()
    with average_in(checkpoint):
        for a, b in zip(checkpoint.get_weights(), reported_average(folder), strict=True):
            np.testing.assert_array_equal(a, b)
    for a, b in zip(checkpoint.get_weights(), last, strict=True):
        np.testing.assert_array_equal(a, b)
    assert optimizer is not None


def reported_average(folder):
    return load_model(folder / "ck" / "last.keras").get_weights()


def test_a_model_saved_for_translation_holds_no_average(averaged, tmp_path):
    result, _, _ = averaged
    path = save_model(result.model, tmp_path / "m.keras", include_optimizer=False)
    loaded = load_model(path)
    assert averaging_optimizer(loaded) is None
    assert loaded.translate(["a b c"]) == result.model.translate(["a b c"])
