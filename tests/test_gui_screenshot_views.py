"""`keras-attn-gui --screenshot --view compare`, run as the command would, in a subprocess
(the anatomy view's screenshot is tested in tests/test_gui_anatomy.py)."""

import json

import pytest

pytest.importorskip("pytestqt")


from tests.gui_helpers import PNG_SIGNATURE, run_gui  # noqa: E402


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """A tiny untrained model with a model card naming its test file."""
    from keras_attn.config import preset
    from keras_attn.saving import save_model
    from keras_attn.training import build_model
    from tests.helpers import reverse_pairs, write_tsv

    folder = tmp_path_factory.mktemp("gui-shots")
    pairs = reverse_pairs(60, seed=7)
    config = preset("tiny").replace(
        **{"model.units": 16, "model.embedding_dim": 8, "model.attention_units": 16}
    )
    path = save_model(build_model(config, pairs), folder / "tiny.keras")
    test = write_tsv(folder / "tiny.test.tsv", pairs[:30])
    (folder / "tiny.json").write_text(
        json.dumps({"name": "tiny", "test_file": str(test)}), encoding="utf-8"
    )
    return path


def test_screenshot_of_the_compare_window(model_file, tmp_path):
    """--view compare compares the model on its card's test file, clicks the longest
    sentence and pictures the Compare window."""
    shot = tmp_path / "compare.png"
    result = run_gui(
        ["--screenshot", str(shot), "--view", "compare", "--model", str(model_file)], tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert png_size(shot) == (1280, 800)
