"""Tests of the project's packaging, CLI entry point and layering rules."""

import ast
import re
import subprocess
import sys
import tomllib
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
    """No module of keras_attn imports PySide6, any other Qt binding, or the app."""
    for path in (ROOT / "keras_attn").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not re.match(r"(PySide\d|PyQt\d|shiboken\d|gui|keras_attn_app)\b", name), (
                    path,
                    name,
                )


def setuptools_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]


def test_only_the_project_s_own_top_level_names_are_installed():
    """pip installs the packages keras_attn and keras_attn_app and nothing else at the top of
    site-packages: the folders gui/ and assets/ install as keras_attn_app and
    keras_attn.assets, never as the generic names `gui` and `assets`."""
    config = setuptools_config()
    packages = config["packages"]
    assert {name.split(".")[0] for name in packages} == {"keras_attn", "keras_attn_app"}
    assert config["package-dir"] == {"keras_attn_app": "gui", "keras_attn.assets": "assets"}


def test_every_package_folder_is_installed():
    """Each folder of keras_attn/ and gui/ with an __init__.py is listed in pyproject.toml
    (under its installed name), so that no module is left out of a wheel."""
    config = setuptools_config()
    folders = {"keras_attn": ROOT / "keras_attn", "keras_attn_app": ROOT / "gui"}
    found = {"keras_attn.assets"}
    for name, folder in folders.items():
        for init in folder.rglob("__init__.py"):
            parts = init.parent.relative_to(folder).parts
            found.add(".".join((name, *parts)))
    missing = sorted(found - set(config["packages"]))
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml"
    assert set(config["packages"]) <= found  # and nothing listed that is not there


@pytest.mark.xdist_group("wheel")  # builds in the source tree
def test_wheel_contains_assets_and_entry_points(tmp_path):
    """A plain wheel build ships the library, the app (as keras_attn_app), the bundled
    assets (as keras_attn.assets: datasets, demo models, icons) and both launchers, and no
    top-level `gui` or `assets` package."""
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("keras_attn-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(
            archive.read(n).decode() for n in names if n.endswith("entry_points.txt")
        )
    top = {
        name.split("/")[0]
        for name in names
        if not name.split("/")[0].endswith((".dist-info", ".data"))
    }
    assert top == {"keras_attn", "keras_attn_app"}, top
    for dataset in ("dates", "numbers", "toy_language"):
        assert f"keras_attn/assets/datasets/{dataset}.tsv" in names
    for model in ("de_en", "toy_language", "dates"):
        assert {
            f"keras_attn/assets/models/{model}.keras",
            f"keras_attn/assets/models/{model}.json",
        } <= names
    assert "keras_attn/assets/icons/keras-attn.svg" in names
    assert "keras_attn/layers/bahdanau_attention.py" in names
    for module in ("app", "__main__", "views/step_view", "widgets/heatmap", "wizard/train_page"):
        assert f"keras_attn_app/{module}.py" in names
    assert "keras-attn = keras_attn.cli:main" in entry_points
    assert "keras-attn-gui = keras_attn_app.app:main" in entry_points
