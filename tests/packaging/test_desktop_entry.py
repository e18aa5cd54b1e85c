"""The Linux ``.desktop`` entry is valid and points at things that exist."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.packaging.desktop_entry import parse, split_list, validate

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "resources" / "linux" / "jitlab.desktop"
ICONS = ROOT / "resources" / "icons"


def test_desktop_entry_follows_the_specification():
    entry = parse(DESKTOP)
    assert validate(entry) == []
    main = entry.main
    assert main["Type"] == "Application"
    assert main["Terminal"] == "false"  # the app has a window; no terminal should pop up


def test_desktop_file_validate_accepts_it():
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate not installed (apt-get install desktop-file-utils)")
    proc = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True)
    # The tool prints hints, warnings and errors alike; any of them is worth fixing.
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def test_exec_and_tryexec_name_the_installed_gui_command():
    if sys.version_info < (3, 11):
        pytest.skip("tomllib needs Python 3.11")
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    main = parse(DESKTOP).main
    command = main["Exec"].split()[0]
    assert command in project.get("gui-scripts", {}), f"{command} is not a [project.gui-scripts] entry"
    assert main["TryExec"] == command


def test_icon_name_has_an_svg_and_pngs():
    icon = parse(DESKTOP).main["Icon"]
    assert (ICONS / f"{icon}.svg").is_file()
    assert sorted(ICONS.glob(f"{icon}-*.png")), "no PNG sizes rendered"


@pytest.mark.parametrize("text, problem", [
    ("Name=x\n", "comes before any group header"),
    ("[Desktop Entry]\nType=Application\nName=x\n", "needs Exec"),
    ("[Desktop Entry]\nType=Application\nName=x\nExec=a %f %U\n", "at most one of"),
    ("[Desktop Entry]\nType=Application\nName=x\nExec=a\nTerminal=yes\n", "a boolean is"),
    ("[Desktop Entry]\nType=Application\nName=x\nExec=a\nCategories=Profiling;\n", "needs one main category"),
    ("[Desktop Entry]\nType=Application\nName=x\nExec=a\nIcon=jitlab.png\n", "no file extension"),
    ("[Desktop Entry]\nType=Application\nName=x\nExec=a\nFoo=1\n", "not a key of the specification"),
    ("[Desktop Entry]\nType=Application\nName=x\nName=y\nExec=a\n", "appears twice"),
    ("[Desktop Entry]\nType=Application\nName=x\nExec=a\nVersion=9\n", "not a version"),
    ("[Desktop Entry]\nType=Application\nName=x\nExec=a\nMimeType=text/x-python\n", "should end with ';'"),
])
def test_checker_catches_broken_entries(tmp_path, text, problem):
    path = tmp_path / "broken.desktop"
    path.write_text(text, encoding="utf-8")
    errors = validate(parse(path))
    assert any(problem in e for e in errors), errors


def test_list_values_split_on_unescaped_semicolons():
    assert split_list("a;b\\;c;") == ["a", "b;c"]
