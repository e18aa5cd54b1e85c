"""The built wheel carries every resource: icons, the .desktop entry, examples, styles.

The wheel is built from a copy of the source tree, so a stale ``build/`` folder
in the checkout can neither add files to it nor hide missing ones.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from jitlab.assets import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
ICON_SIZES = (16, 32, 48, 64, 128, 256)
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "build", "dist", "*.egg-info")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel offline (no build isolation: setuptools is already here)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for item in ROOT.iterdir():
        if item.name in ("pyproject.toml", "jitlab", "resources") or item.name.startswith(("README", "LICENSE")):
            if item.is_dir():
                shutil.copytree(item, src / item.name, ignore=SKIP)
            else:
                shutil.copy2(item, src / item.name)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         str(src), "-w", str(tmp / "dist")],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (built,) = (tmp / "dist").glob("jitlab-*.whl")
    return built


@pytest.fixture(scope="module")
def names(wheel) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_wheel_has_the_icons(names):
    assert "jitlab/resources/icons/jitlab.svg" in names
    for size in ICON_SIZES:
        assert f"jitlab/resources/icons/jitlab-{size}.png" in names


def test_wheel_has_the_desktop_entry(names):
    assert "jitlab/resources/linux/jitlab.desktop" in names


def test_wheel_has_the_examples(names):
    for name in EXAMPLES:
        assert f"jitlab/resources/examples/{name}.py" in names


def test_wheel_has_every_resource_file(names):
    # Catches a new resource folder (or a nested one) that package-data misses.
    expected = {
        "jitlab/resources/" + p.relative_to(RESOURCES).as_posix()
        for p in RESOURCES.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert sorted(expected - names) == []


def test_wheel_has_only_the_package(names):
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"jitlab", next(t for t in tops if t.endswith(".dist-info"))}


def test_wheel_declares_both_commands(wheel):
    with zipfile.ZipFile(wheel) as zf:
        entry_name = next(n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt"))
        text = zf.read(entry_name).decode()
    parser = configparser.ConfigParser()
    parser.read_string(text)
    assert "jitlab" in parser["console_scripts"]
    assert "jitlab-gui" in parser["gui_scripts"]


def test_installed_wheel_finds_its_resources(wheel, tmp_path):
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target",
                           str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    probe = (
        "import jitlab.assets as a, sys;"
        "p = [a.resource_path('icons', 'jitlab.svg'), a.resource_path('linux', 'jitlab.desktop'),"
        " *a.examples().values()];"
        "missing = [str(x) for x in p if not x.is_file()];"
        "print(a.resource_root()); sys.exit('missing: ' + ', '.join(missing) if missing else 0)"
    )
    # Run from an empty folder with only the installed copy on the path, so
    # the source checkout cannot answer for it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(target)
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert str(target) in proc.stdout
