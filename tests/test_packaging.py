"""Tests of the project's packaging, CLI entry point and layering rules."""

import ast
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from keras_attn.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_readme_quick_start_has_two_commands_and_ci_runs_the_test_one():
    """README's quick start gives two commands; .ci/run runs the test one verbatim."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", quick, flags=re.S)
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert "keras-attn-gui" in commands[0]
    ci_lines = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci_lines[-1] == commands[1]


def test_cli_help_lists_the_commands(capsys):
    """`keras-attn --help` works and names each command."""
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("check", "train", "translate"):
        assert command in out


def test_library_never_imports_qt():
    """No module of keras_attn imports PySide6 or any other Qt binding."""
    for path in (ROOT / "keras_attn").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not re.match(r"(PySide\d|PyQt\d|shiboken\d|gui)\b", name), (path, name)


def test_wheel_contains_assets_and_entry_points(tmp_path):
    """A plain wheel build ships the bundled assets and both launchers."""
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("keras_attn-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(archive.read(n).decode() for n in names
                            if n.endswith("entry_points.txt"))
    for dataset in ("dates", "numbers", "toy_language"):
        assert f"assets/datasets/{dataset}.tsv" in names
    assert "keras_attn/layers/bahdanau_attention.py" in names
    assert "keras-attn = keras_attn.cli:main" in entry_points
    assert "keras-attn-gui = gui.app:main" in entry_points
