"""Start-up: `import keras_attn` and the command line's quick answers load no TensorFlow;
the names that need it load it quietly and register the model with Keras."""

import json
import os
import subprocess
import sys
from pathlib import Path

from keras_attn._quiet import HARMLESS
from keras_attn.cli import COMMANDS
from keras_attn.demo import model_path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("tensorflow", "keras", "tensorflow_text")


def python(code, *args, env=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def imported(stderr):
    """Module names from a ``PYTHONPROFILEIMPORTTIME`` log (this process and its children;
    only imports made by import statements are logged, which TensorFlow's own are)."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_import_keras_attn_loads_no_tensorflow():
    """The package, its configuration, errors, data readers and CLI import no TensorFlow;
    an unknown attribute is an AttributeError, not a reason to load it."""
    run = python(
        "import sys\n"
        "import keras_attn\n"
        "from keras_attn import Config, DataError, ModelFileError, preset\n"
        "import keras_attn.cli, keras_attn.data, keras_attn.data.tmx, keras_attn.errors\n"
        "import keras_attn.numpy_translator, keras_attn.text.plain, keras_attn.sentences\n"
        "from keras_attn.text import END_ID, SPECIALS, detokenize\n"
        "assert keras_attn.text.plain.PlainTextEncoder(SPECIALS).encode('a') == [1]\n"
        "assert preset('tiny').model.units > 0 and issubclass(DataError, Exception)\n"
        "assert not hasattr(keras_attn, 'no_such_name')\n"
        "assert {'load', 'Translator', 'Encoder'} <= set(dir(keras_attn))\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[]"


def test_quick_commands_load_no_tensorflow(tmp_path):
    """`keras-attn --help`, every `COMMAND --help` and `keras-attn check` import no
    TensorFlow, in their own process or any process they start."""
    data = tmp_path / "pairs.tsv"
    data.write_text("ein Haus\ta house\nzwei Katzen\ttwo cats\n", encoding="utf-8")
    commands = [["--help"], *([name, "--help"] for name in COMMANDS), ["check", str(data)]]
    for argv in commands:
        run = subprocess.run(
            [sys.executable, "-m", "keras_attn.cli", *argv],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"},
        )
        assert run.returncode == 0, (argv, run.stderr[-2000:])
        expected = "usage:" if "--help" in argv else "sentence pairs kept: 2"
        assert expected in run.stdout, (argv, run.stdout[-2000:])
        loaded = imported(run.stderr)
        assert "keras_attn.config" in loaded, argv  # the log is read
        heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
        assert not heavy, (argv, heavy[:5])


def test_first_tensorflow_use_is_quiet_and_registers_the_model():
    """Importing a TensorFlow-side submodule loads TensorFlow without its start-up notices
    and registers the layers and the model: plain `keras.models.load_model` then works,
    and `keras_attn.load` gives the same translations."""
    run = python(
        "import json, sys\n"
        "from keras_attn.session import DecodingSession\n"
        "import keras\n"
        "import keras_attn\n"
        "plain = keras.models.load_model(sys.argv[1])\n"
        "assert type(plain) is keras_attn.Translator\n"
        "assert keras.saving.get_registered_object('keras_attn>LearningRateSchedule') \\\n"
        "    is keras_attn.LearningRateSchedule\n"
        "sentences = ['Nov 3rd, 1999', '14/07/89']\n"
        "print(json.dumps([plain.translate(sentences),\n"
        "                  keras_attn.load(sys.argv[1]).translate(sentences)]))\n",
        model_path("dates"),
    )
    assert run.returncode == 0, run.stderr[-2000:]
    plain, loaded = json.loads(run.stdout.strip().splitlines()[-1])
    assert plain == loaded == ["1999-11-03", "1989-07-14"]
    assert not [line for line in run.stderr.splitlines() if HARMLESS.search(line)]


def test_import_after_keras_registers_at_once():
    """In a program that has imported Keras already, `import keras_attn` registers the
    model, so `keras.models.load_model` works with nothing else of keras_attn used."""
    run = python(
        "import sys, keras, keras_attn\n"
        "print(keras.models.load_model(sys.argv[1]).translate(['14/07/89'])[0])\n",
        model_path("dates"),
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "1989-07-14"
