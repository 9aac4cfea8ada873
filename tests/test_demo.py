"""Tests of the bundled demo models and `keras-attn demo`."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import sacrebleu

import keras_attn
from keras_attn.cli import main
from keras_attn.datasets import generate
from keras_attn.demo import DEMOS, card, model_path

ROOT = Path(__file__).resolve().parents[1]
FRESH_SEED = 777  # neither the datasets' seeds nor the cards' test seed
COUNT = 300


GENERATED = sorted(name for name in DEMOS if name != "de_en")  # trained on generated data


@pytest.fixture(scope="module", params=GENERATED)
def demo(request):
    """A bundled demo model and a freshly generated test set for it."""
    name = request.param
    return name, keras_attn.load(model_path(name)), generate(name, count=COUNT, seed=FRESH_SEED)


def test_demo_models_meet_their_quality_bar(demo):
    """Dates: >= 95% exact matches; toy language: >= 90 BLEU, on fresh test pairs."""
    name, model, pairs = demo
    outputs = model.translate([s for s, _ in pairs])
    references = [t for _, t in pairs]
    if name == "dates":
        exact = sum(o == r for o, r in zip(outputs, references, strict=True)) / len(pairs)
        assert exact >= 0.95, exact
    else:
        assert sacrebleu.corpus_bleu(outputs, [references]).score >= 90.0


def test_demo_models_are_small_and_carry_a_card(demo):
    """Each shipped model is a few MB at most and its card records how it was made."""
    name = demo[0]
    assert model_path(name).stat().st_size < 8 * 2**20
    info = card(name)
    assert info["command"].startswith("python scripts/train_demo_models.py")
    assert set(info["scores"]) >= {"exact_match", "bleu", "chrf"}


def test_german_model_translates_real_sentences_in_case():
    """The German demo model: cased English without [UNK] or pieces, under 15 MB, and a
    card naming its data, licence, settings and held-back scores."""
    model = keras_attn.load(model_path("de_en"))
    outputs = model.translate(
        [
            "Ich habe Hunger.",
            "Wo ist der Bahnhof?",
            "Kannst du mir helfen?",
            "Ich liebe „Seelennahrung“.",
        ]
    )
    assert outputs[:3] == ["I'm hungry.", "Where is the station?", "Can you help me?"]
    assert not any("[UNK]" in o or "##" in o for o in outputs)
    assert model_path("de_en").stat().st_size < 15 * 2**20
    info = card("de_en")
    assert "CC-BY 2.0" in info["licence"] and "tatoeba.org" in info["attribution"]
    assert info["scores"]["bleu_greedy"] >= 45 and info["scores"]["bleu_beam5"] >= 47
    assert info["config"]["target"]["lowercase"] is False
    assert info["command"].startswith("python scripts/train_demo_models.py")


def test_demo_command_prints_translations_and_heatmaps(capsys):
    """`keras-attn demo` translates the examples and draws a text heatmap for each."""
    assert main(["demo", "--model", "dates"]) == 0
    out = capsys.readouterr().out
    assert "2026-11-26" in out
    assert "█" in out or "▓" in out


@pytest.mark.xdist_group("wheel")  # builds in the source tree
def test_demo_runs_from_a_wheel_outside_the_source_tree(tmp_path):
    """Installed from a built wheel (not the source tree), `keras-attn demo` still works."""
    wheel_dir, target = tmp_path / "wheel", tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheel_dir)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheel_dir.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert "keras_attn/assets/models/toy_language.keras" in archive.namelist()
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    code = (
        "import sys, keras_attn, keras_attn.assets\n"
        "assert keras_attn.assets.__file__.startswith(sys.argv[1]), keras_attn.__file__\n"
        "from keras_attn.cli import main\n"
        "sys.exit(main(['demo', '--model', 'toy_language']))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run(
        [sys.executable, "-c", code, str(target)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "->" in run.stdout and "toy_language" in run.stdout


def test_lesson_pair_shows_the_bottleneck_on_long_sentences():
    """The bundled lesson pair: on the longest test sentences the attention model is far
    ahead of the classic encoder-decoder, which has no attention to show."""
    from keras_attn.data import read_parallel
    from keras_attn.datasets import dataset_test_path
    from keras_attn.demo import models_dir
    from keras_attn.saving import load_model

    pairs = read_parallel(dataset_test_path("toy_language_long")).pairs
    longest = sorted(pairs, key=lambda p: -len(p[0].split()))[:40]
    sources, references = [s for s, _ in longest], [t for _, t in longest]
    attention = load_model(models_dir() / "lesson_attention.keras")
    classic = load_model(models_dir() / "lesson_classic.keras")
    assert attention.has_attention and not classic.has_attention
    scores = [
        sacrebleu.corpus_bleu(m.translate(sources), [references]).score
        for m in (attention, classic)
    ]
    assert scores[0] >= 90 and scores[0] >= 3 * scores[1], scores
