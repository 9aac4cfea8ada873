"""Untrusted model files: every bad .keras file is refused with a ModelFileError that names
the file and the reason, quickly, and no code from the file ever runs.

tests/test_model.py covers files that are not zip archives, truncated files, foreign Keras
models, a Lambda layer behind a rewritten config and missing files; these are the others.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import keras
import pytest

from keras_attn.config import preset
from keras_attn.errors import ModelFileError
from keras_attn.saving import MAX_CONFIG_BYTES, load_model, save_model
from keras_attn.training import build_model

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534


@contextlib.contextmanager
def as_ordinary_user():
    """Run the block with an ordinary user's rights: permission bits do not stop root, so
    when the tests run as root the effective user and group become nobody's meanwhile."""
    if not AS_ROOT:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@contextlib.contextmanager
def folder_for_everyone():
    """A new folder every user can reach (pytest's own are root's alone when run as root),
    removed afterwards."""
    folder = tempfile.mkdtemp(prefix="keras_attn_permissions.")
    os.chmod(folder, 0o755)
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def open_folder():
    with folder_for_everyone() as folder:
        yield folder


@pytest.fixture(scope="module")
def good_file(tmp_path_factory):
    """A valid (untrained) keras-attn model file."""
    model = build_model(preset("tiny"), [("a b", "b a"), ("c d", "d c")])
    return save_model(model, tmp_path_factory.mktemp("good") / "good.keras")


@pytest.fixture(scope="module")
def members(good_file):
    """The good file's zip members: name -> bytes."""
    with zipfile.ZipFile(good_file) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(path, members, **changes):
    """Write `members` with `changes` (name -> bytes, or None to leave a member out)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in {**members, **changes}.items():
            if data is not None:
                archive.writestr(name, data)
    return path


def refused(path, pattern, compile=False):
    """Load `path`, expecting a ModelFileError matching `pattern` that names the file."""
    start = time.perf_counter()
    with pytest.raises(ModelFileError, match=pattern) as info:
        load_model(path, compile=compile)
    assert time.perf_counter() - start < 10
    assert str(path) in str(info.value)
    return str(info.value)


def config_of(members):
    return json.loads(members["config.json"])


@pytest.mark.parametrize(
    ("config", "pattern"),
    [
        (b"{not json", "damaged"),
        (b"\xff\xfe\x00garbage", "damaged"),
        (b"[1, 2, 3]", "config.json is not a JSON object"),
        (b"null", "config.json is not a JSON object"),
        (b'"Translator"', "config.json is not a JSON object"),
        (b"[" * 100_000, "damaged"),
        (b"", "damaged"),
    ],
    ids=["not_json", "not_utf8", "a_list", "null", "a_string", "nested_100000_deep", "empty"],
)
def test_config_json_that_is_not_a_model_description(tmp_path, members, config, pattern):
    """A config.json that is not JSON, or JSON but not an object, is refused as damaged."""
    refused(rezip(tmp_path / "bad.keras", members, **{"config.json": config}), pattern)


def test_huge_config_json_is_not_read(tmp_path, members):
    """A config.json unpacking to more than MAX_CONFIG_BYTES is refused at once, unread."""
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("config.json", "w", force_zip64=True) as stream:
            stream.write(b'{"class_name": "Translator", "pad": "')
            chunk = b" " * (1 << 20)
            for _ in range(MAX_CONFIG_BYTES // len(chunk) + 1):
                stream.write(chunk)
            stream.write(b'"}')
        archive.writestr("model.weights.h5", members["model.weights.h5"])
    assert path.stat().st_size < MAX_CONFIG_BYTES // 50
    start = time.perf_counter()
    message = refused(path, "decompression bomb")
    assert time.perf_counter() - start < 1.0
    assert f"{MAX_CONFIG_BYTES + (1 << 20) + 39:,} bytes" in message


@pytest.mark.parametrize(
    ("changes", "pattern"),
    [
        ({"model.weights.h5": None}, "cannot load the model: Expected a model.weights.h5"),
        ({"model.weights.h5": b"not an HDF5 file"}, "cannot load the model"),
        ({"model.weights.h5": b""}, "cannot load the model"),
    ],
    ids=["weights_missing", "weights_garbage", "weights_empty"],
)
def test_valid_config_with_missing_or_broken_weights(tmp_path, members, changes, pattern):
    """A valid keras-attn config whose weights are missing or broken is refused."""
    refused(rezip(tmp_path / "bad.keras", members, **changes), pattern)


def test_wrong_vocabulary_type_in_config(tmp_path, members):
    """A Translator config with a number where a vocabulary belongs is refused, not crashed on."""
    config = config_of(members)
    config["config"]["source_vocabulary"] = 7
    refused(
        rezip(tmp_path / "bad.keras", members, **{"config.json": json.dumps(config)}),
        "cannot load the model",
    )


def test_folder_named_like_a_model(tmp_path):
    """A folder called x.keras is refused as a folder."""
    (tmp_path / "x.keras").mkdir()
    refused(tmp_path / "x.keras", "is a folder")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_refused_without_blocking(tmp_path):
    """A named pipe called x.keras is refused at once instead of waiting for a writer forever."""
    fifo = tmp_path / "x.keras"
    os.mkfifo(fifo)
    outcome = {}

    def load():
        try:
            load_model(fifo)
        except ModelFileError as error:
            outcome["error"] = error

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(timeout=10)
    if thread.is_alive():  # unblock the reader before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=10)
        pytest.fail("loading a named pipe blocked")
    assert "not a regular file" in str(outcome["error"])
    assert str(fifo) in str(outcome["error"])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
def test_file_that_fails_to_read_is_named_as_unreadable():
    """A file that fails to read (/proc/self/mem: I/O error) is reported as unreadable."""
    refused("/proc/self/mem", "cannot be read: Input/output error")


@pytest.mark.skipif(sys.platform == "win32", reason="needs permission bits")
def test_file_without_read_permission(open_folder, good_file):
    """A model file without read permission is reported as unreadable."""
    path = open_folder / "locked.keras"
    path.write_bytes(good_file.read_bytes())
    path.chmod(0o644)
    with as_ordinary_user():
        load_model(path)  # readable, the ordinary user loads it: only the bits differ
    path.chmod(0)
    with as_ordinary_user():
        refused(path, "cannot be read: Permission denied")


@pytest.mark.skipif(sys.platform == "win32", reason="needs permission bits")
def test_file_in_a_folder_that_cannot_be_searched(open_folder, good_file):
    """A model file inside a folder without search permission is reported as unreadable."""
    folder = open_folder / "closed"
    folder.mkdir()
    path = folder / "m.keras"
    path.write_bytes(good_file.read_bytes())
    folder.chmod(0)
    with as_ordinary_user():
        refused(path, "cannot be read: Permission denied")


def marker_lambda(marker):
    """A function that leaves `marker` behind when it runs (and must never run on load)."""
    return lambda x, path=str(marker): (open(path, "w").write("ran"), x)[1]


def lambda_model_file(tmp_path, marker):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Lambda(marker_lambda(marker))(inputs))
    path = tmp_path / "lambda.keras"
    model.save(path)
    assert marker.exists()  # building the model ran it: the function works
    marker.unlink()
    return path


def test_lambda_model_saved_directly_runs_no_code(tmp_path):
    """A Keras model with a Lambda layer, saved as it is, is refused and its code never runs."""
    marker = tmp_path / "ran"
    path = lambda_model_file(tmp_path, marker)
    refused(path, "not a keras-attn translation model")
    for compile in (False, True):
        with pytest.raises(ModelFileError):
            load_model(path, compile=compile)
    assert not marker.exists()


def test_lambda_disguised_as_translator_runs_no_code(tmp_path):
    """A Lambda model whose config claims to be a Translator is refused; its code never runs."""
    marker = tmp_path / "ran"
    path = lambda_model_file(tmp_path, marker)
    with zipfile.ZipFile(path) as archive:
        lambda_members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(lambda_members["config.json"])
    config["class_name"] = "Translator"
    disguised = rezip(
        tmp_path / "disguised.keras", lambda_members, **{"config.json": json.dumps(config)}
    )
    refused(disguised, "cannot load the model")
    assert not marker.exists()


@pytest.mark.parametrize("where", ["dtype", "optimizer"])
def test_config_naming_a_python_function_runs_nothing(tmp_path, members, where):
    """A Translator config naming os.system (as dtype or optimizer) never runs it."""
    marker = tmp_path / "ran"
    evil = {
        "module": "os",
        "class_name": "system",
        "config": f"touch {marker}",
        "registered_name": None,
    }
    config = config_of(members)
    if where == "dtype":
        config["config"]["dtype"] = evil
    else:
        config["compile_config"] = {"optimizer": evil, "loss": None}
    path = rezip(tmp_path / "evil.keras", members, **{"config.json": json.dumps(config)})
    for compile in (False, True):
        try:
            load_model(path, compile=compile)
        except ModelFileError as error:
            assert str(path) in str(error)
    assert not marker.exists()


@pytest.mark.parametrize("where", ["model", "model_named_translator", "dtype", "optimizer"])
def test_config_naming_a_class_outside_keras_attn_and_keras_is_refused(
    tmp_path, members, monkeypatch, where
):
    """A config naming a class of another module (as the model itself, a model claiming to
    be a Translator, its dtype policy or its optimizer) is refused with a ModelFileError
    naming the file; that module is never even imported."""
    marker = tmp_path / "imported"
    (tmp_path / "planted_module.py").write_text(
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).touch()\n"
        "class Evil:\n"
        "    def __init__(self, *args, **kwargs):\n"
        f"        Path({str(marker)!r}).write_text('instantiated')\n"
        "    @classmethod\n"
        "    def from_config(cls, config):\n"
        "        return cls()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    evil = {
        "module": "planted_module",
        "class_name": "Evil",
        "config": {},
        "registered_name": "planted_module>Evil",
    }
    config = config_of(members)
    if where == "model":
        config.update(evil, config=config["config"])
        pattern = "not a keras-attn translation model \\(it holds a Evil\\)"
    else:
        if where == "model_named_translator":
            config.update(module="planted_module", registered_name="planted_module>Translator")
        elif where == "dtype":
            config["config"]["dtype"] = evil
        else:
            config["compile_config"] = {"optimizer": evil, "loss": None}
        pattern = (
            "not loaded: its config names planted_module.(Evil|Translator), a class "
            "outside keras-attn and Keras"
        )
    path = rezip(tmp_path / "foreign.keras", members, **{"config.json": json.dumps(config)})
    for compile in (False, True):
        message = refused(path, pattern, compile=compile)
    assert "planted_module" not in sys.modules, message
    assert not marker.exists()
