"""Tests of the Translator model: learning, saving, loading, resuming."""

import json
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest

import keras_attn
from keras_attn.config import preset
from keras_attn.demo import model_path
from keras_attn.errors import ModelFileError, TranslationError
from keras_attn.text import make_dataset
from keras_attn.training import (
    build_model,
    compile_model,
    count_batches,
    estimate_steps_per_epoch,
    train,
)
from tests.conftest import TINY
from tests.helpers import reverse_pairs


def test_tiny_model_learns_reverse_task(trained):
    """Within seconds, a tiny model reverses word sequences with >= 95% token accuracy."""
    result, held_out = trained
    assert result.history["val_accuracy"][-1] >= 0.95
    assert result.history["loss"][-1] < result.history["loss"][0]
    outputs = result.model.translate([s for s, _ in held_out[:50]])
    exact = np.mean([o == t for o, (_, t) in zip(outputs, held_out, strict=False)])
    assert exact >= 0.8
    assert result.stop_reason == "finished" and result.epochs_done == TINY.train.epochs


def test_model_weights_and_config_round_trip(trained):
    """get_config carries the configuration and both vocabularies."""
    model = trained[0].model
    config = model.get_config()
    # As configured, with "auto" resolved: letters with spaces give subword tokens, whose
    # outputs never repeat a phrase of 3 tokens; reversed sentences are as long as their
    # sources, so beam search writes at least one token per source token.
    resolved = TINY.replace(
        **{
            "source.tokenizer": "subword",
            "target.tokenizer": "subword",
            "decode.no_repeat_ngram": 3,
            "decode.min_length_ratio": 1.0,
        }
    )
    assert config["config"] == resolved.to_dict()
    assert config["source_vocabulary"][:4] == ["[PAD]", "[UNK]", "[START]", "[END]"]
    clone = keras_attn.Translator.from_config(config)
    assert len(clone.weights) == len(model.weights)
    assert model.count_params() == clone.count_params()


def test_models_saved_before_output_norm_load_without_it(trained):
    """A configuration without `model.output_norm` (files saved before it existed, like the
    bundled demo models) builds the decoder without normalization; new ones have it."""
    model = trained[0].model
    assert model.config.model.output_norm is True and model.decoder.norm is not None
    config = model.get_config()
    del config["config"]["model"]["output_norm"]
    legacy = keras_attn.Translator.from_config(config)
    assert legacy.config.model.output_norm is False and legacy.decoder.norm is None
    assert len(legacy.weights) == len(model.weights) - 2
    demo = keras_attn.load(model_path("dates"))
    assert demo.config.model.output_norm is False
    assert demo.translate(["March 3, 2021"]) == ["2021-03-03"]


def test_output_norm_learns_faster():
    """The same tiny model on the same batches at Adam's usual rate (1e-3): after 60 steps
    the training loss is clearly lower with the layer-normalized attentional vector
    (measured: 1.99 against 2.54)."""
    pairs = reverse_pairs(800, seed=5)
    losses = {}
    for norm in (False, True):
        keras.utils.set_random_seed(0)
        config = TINY.replace(
            **{"model.output_norm": norm, "train.epochs": 1, "train.learning_rate": 1e-3}
        )
        model = build_model(config, pairs)
        compile_model(model, 100)
        batches = iter(
            make_dataset(
                pairs, model.source_text, model.target_text, batch_size=16, seed=0
            ).repeat()
        )
        model.make_train_function()
        for _ in range(60):
            logs = model.train_function(batches)
        losses[norm] = float(logs["loss"])
    assert losses[True] < 0.9 * losses[False], losses


def test_first_adam_step_moves_no_embedding_weight_more_than_the_rate():
    """Adam's first step moves every weight by at most the learning rate. Keras 3's Adam
    breaks that for sparse gradients with repeated rows (a token seen k times in a batch
    moves up to sqrt(k) times as far); the training step hands it dense gradients."""
    pairs = [("a a a a b", "b a a a a"), ("a b a", "a b a"), ("b b a", "a b b")] * 4
    model = build_model(TINY, pairs)
    compile_model(model, 10)
    rate = TINY.train.learning_rate
    before = [
        np.array(w)
        for w in (model.encoder.embedding.embeddings, model.decoder.embedding.embeddings)
    ]
    batches = iter(
        make_dataset(pairs, model.source_text, model.target_text, batch_size=12, shuffle=False)
    )
    model.make_train_function()
    model.train_function(batches)
    after = [
        np.array(w)
        for w in (model.encoder.embedding.embeddings, model.decoder.embedding.embeddings)
    ]
    moved = max(float(np.max(np.abs(a - b))) for a, b in zip(after, before, strict=True))
    assert rate * 0.5 < moved <= rate * 1.0001


@pytest.mark.parametrize("architecture", ["rnn", "transformer"])
def test_weight_decay_shrinks_matrices_and_leaves_vectors(architecture):
    """With `train.weight_decay`, an update whose gradients are all zero (Adam's own step
    is then 0) shrinks every matrix by the rate times the decay and leaves biases and
    normalisation vectors as they were; without it nothing moves."""
    pairs = [("a b c", "c b a"), ("b c a", "a c b")] * 4
    base = TINY if architecture == "rnn" else preset("tiny", "transformer")
    rate = 0.01
    for decay in (0.0, 0.5):
        config = base.replace(
            **{
                "train.learning_rate": rate,
                "train.weight_decay": decay,
                "train.decay": "none",
                "train.warmup_steps": 0,
            }
        )
        model = build_model(config, pairs)
        compile_model(model, 10)
        variables = model.trainable_variables
        before = [np.array(v) for v in variables]
        model.optimizer.apply([keras.ops.zeros_like(v) for v in variables], variables)
        for variable, old in zip(variables, before, strict=True):
            new = np.array(variable)
            if decay and len(old.shape) > 1:
                np.testing.assert_allclose(new, old * (1 - rate * decay), rtol=1e-5, atol=1e-7)
            else:
                np.testing.assert_array_equal(new, old, err_msg=variable.path)


def test_save_then_load_in_new_process_translates_identically(trained, tmp_path):
    """keras.models.load_model in a fresh process (safe mode on) gives identical output."""
    model = trained[0].model
    path = keras_attn.save(model, tmp_path / "m.keras")
    sentences = [s for s, _ in trained[1][:20]]
    expected = model.translate(sentences)
    code = (
        "import json, sys, keras, keras_attn\n"
        "m = keras.models.load_model(sys.argv[1])\n"
        "print(json.dumps(m.translate(json.loads(sys.argv[2]))))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(path), json.dumps(sentences)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == expected


def test_save_replaces_atomically_and_keeps_old_file_on_failure(trained, tmp_path):
    """A failed save leaves the previous model file intact and no temporary files."""
    model = trained[0].model
    path = keras_attn.save(model, tmp_path / "m.keras")
    before = path.read_bytes()
    with pytest.raises(ModelFileError, match="must end in .keras"):
        keras_attn.save(model, tmp_path / "m.h5")

    class Broken:
        """Not a Keras model: saving it fails part-way."""

    with pytest.raises(Exception):  # noqa: B017  (Keras decides the exception type)
        keras_attn.save(Broken(), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


def test_resume_continues_from_checkpoint(tmp_path):
    """A run stopped in epoch 2 resumes from the epoch-1 checkpoint and finishes all epochs."""
    pairs = reverse_pairs(300, seed=2)
    config = preset("tiny").replace(**{"train.epochs": 3, "train.batch_size": 50})
    model = build_model(config, pairs)
    steps = count_batches(make_dataset(pairs, model.source_text, model.target_text, batch_size=50))
    seen = {"batches": 0}

    def stop_in_second_epoch():
        seen["batches"] += 1
        return seen["batches"] > steps + 2

    first = train(pairs, config, checkpoint_dir=tmp_path, should_stop=stop_in_second_epoch)
    assert first.stop_reason == "stopped on request"
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["epochs_done"] == 1
    resumed = train(pairs, config, checkpoint_dir=tmp_path, resume=True)
    assert resumed.epochs_done == 3
    assert len(resumed.history["loss"]) == 3
    assert json.loads((tmp_path / "state.json").read_text())["epochs_done"] == 3
    assert resumed.model.optimizer.iterations.numpy() == 3 * steps


def test_empty_sentence_is_refused_with_a_message(trained):
    """Translating an empty sentence raises TranslationError naming which one."""
    with pytest.raises(TranslationError, match="Sentence 2 is empty"):
        trained[0].model.translate(["a b", "   "])


def test_unknown_words_still_translate(trained):
    """A sentence of only unknown words gives a translation, not a crash."""
    (output,) = trained[0].model.translate(["zzz qqq"])
    assert isinstance(output, str)


@pytest.mark.parametrize("kind", ["not_zip", "truncated", "foreign", "lambda", "missing"])
def test_bad_model_files_are_refused_clearly(trained, tmp_path, kind):
    """Corrupt, truncated, foreign and code-carrying files raise ModelFileError naming the file."""
    path = tmp_path / "bad.keras"
    if kind == "not_zip":
        path.write_text("hello")
        pattern = "not a .keras model file"
    elif kind == "truncated":
        good = keras_attn.save(trained[0].model, tmp_path / "good.keras").read_bytes()
        path.write_bytes(good[: len(good) // 2])
        pattern = "not a .keras model file|damaged|cannot load"
    elif kind == "foreign":
        inputs = keras.Input((3,))
        keras.Model(inputs, keras.layers.Dense(2)(inputs)).save(path)
        pattern = "not a keras-attn translation model"
    elif kind == "lambda":
        inputs = keras.Input((3,))
        keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs)).save(path)
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
        config["class_name"] = "Translator"  # pretend, to reach Keras's own check
        rewritten = tmp_path / "rewritten.keras"
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(rewritten, "w") as dst:
            for item in src.namelist():
                data = json.dumps(config) if item == "config.json" else src.read(item)
                dst.writestr(item, data)
        path = rewritten
        pattern = "cannot load the model"
    else:
        path = tmp_path / "nothing.keras"
        pattern = "no such file"
    with pytest.raises(ModelFileError, match=pattern) as info:
        keras_attn.load(path)
    assert str(path) in str(info.value)


def test_mixed_bfloat16_policy_builds_and_trains_on_cpu():
    """The bfloat16 mixed-precision path builds, trains a step and keeps float32 logits."""
    config = preset("tiny").replace(**{"train.precision": "mixed_bfloat16", "train.epochs": 1})
    pairs = reverse_pairs(64, seed=3)
    result = train(pairs, config)
    assert result.model.encoder.embedding.dtype_policy.name == "mixed_bfloat16"
    assert np.isfinite(result.history["loss"][0])
    assert keras.config.dtype_policy().name == "float32"  # global policy restored


def test_build_model_learns_vocabularies_from_training_pairs():
    """Vocabularies come from the training pairs and start with the special tokens."""
    model = build_model(preset("tiny"), [("x y", "y x"), ("z", "z")])
    assert set(model.source_text.vocabulary[4:]) == {"x", "y", "z"}
    assert model.target_text.vocabulary[:4] == ["[PAD]", "[UNK]", "[START]", "[END]"]


@pytest.mark.parametrize("batching", [{"train.batch_size": 16}, {"train.batch_tokens": 96}])
def test_estimated_steps_per_epoch_follow_the_batching(batching):
    """The steps an epoch makes, as training counts them: exact when every pair is
    counted, close when a sample is, and more of them for token batches of long pairs."""
    from keras_attn.text.pipeline import training_stream

    pairs = reverse_pairs(900, seed=4, min_len=2, max_len=12)
    model = build_model(TINY.replace(**batching), pairs)
    tr = model.config.train
    _, steps = training_stream(
        pairs,
        model.source_text,
        model.target_text,
        batch_size=tr.batch_size,
        seed=tr.seed,
        batch_tokens=tr.batch_tokens,
    )
    assert estimate_steps_per_epoch(model, pairs) == steps
    assert abs(estimate_steps_per_epoch(model, pairs, sample=300) - steps) <= 0.2 * steps
    if tr.batch_tokens:
        short = [(s, t) for s, t in pairs if len(s.split()) <= 4]
        long = [(s, t) for s, t in pairs if len(s.split()) >= 9]
        per_pair = [estimate_steps_per_epoch(model, part) / len(part) for part in (short, long)]
        assert per_pair[1] > 1.5 * per_pair[0]
    assert estimate_steps_per_epoch(model, []) == 0


def test_damaged_checkpoint_state_gives_a_clear_message(tmp_path):
    """A damaged state.json makes --resume fail with a message naming the file."""
    from keras_attn.callbacks import read_checkpoint_state

    (tmp_path / "last.keras").write_bytes(b"")
    (tmp_path / "state.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="state.json: the checkpoint state is damaged"):
        read_checkpoint_state(tmp_path)
    (tmp_path / "state.json").write_text('{"epochs_done": "two"}')
    with pytest.raises(ModelFileError, match="missing or wrong fields"):
        read_checkpoint_state(tmp_path)
