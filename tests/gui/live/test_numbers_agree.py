"""The window and ``jitlab show`` print the same numbers for the same session file, and eager is
"the reference" by one rule in both.

The app's cells are read from the real statistics table (offscreen); the terminal's from the real
``jitlab show`` command. The two typeset differently (``×`` and ``x``, ``–`` and ``-``); the figures
and the words in them must agree.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from jitlab.core.present import numbers as F
from jitlab.core.session import store as S
from jitlab.gui.live.qt_stats_table import COLUMN_KEYS, QtStatsTable
from jitlab.gui.live.run_model import RunModel

from tests.conftest import RECORDED, ROOT

SESSIONS = sorted(RECORDED.glob("*.json")) + [ROOT / "benchmarks" / "results" / "h100-lstm" / "lstm-h100-session.json"]
#: The terminal's column of each of the app's columns.
COLUMNS = {"fwd": "fwd ms", "bwd": "bwd ms", "total": "total ms", "speedup": "speedup vs eager (95% CI)",
           "build": "build ms", "first": "1st call ms"}


def _show_table(path: Path) -> dict[str, dict[str, str]]:
    """``jitlab show``'s summary table as ``{variant: {column: cell}}`` (columns cut where its rule line is)."""
    out = subprocess.run([sys.executable, "-m", "jitlab", "show", str(path)], capture_output=True, text=True,
                         timeout=120, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("variant  status"))
    spans = [m.span() for m in re.finditer(r"-+", lines[head + 1])]
    names = [lines[head][a:b].strip() if k < len(spans) - 1 else lines[head][a:].strip()
             for k, (a, b) in enumerate(spans)]
    table = {}
    for line in lines[head + 2:]:
        if not line.strip():
            break
        cells = [line[a:spans[k + 1][0]].strip() if k < len(spans) - 1 else line[a:].strip()
                 for k, (a, _) in enumerate(spans)]
        table[cells[0]] = dict(zip(names, cells))
    return table


def _app_table(qtbot, session: dict) -> dict[str, dict[str, str]]:
    """The statistics table's cells as the real widget's model gives them to its view."""
    model = RunModel()
    table = QtStatsTable(model)
    qtbot.addWidget(table)
    model.show_session(session)
    qt_model = table.view.model()
    cells = {}
    for row in range(qt_model.rowCount()):
        name = qt_model.index(row, COLUMN_KEYS.index("variant")).data()
        failure = table.table_model.rows[row]["failure"]
        cells[name] = {key: table.table_model.rows[row]["text"][key] if failure and key == "fwd"
                       else qt_model.index(row, COLUMN_KEYS.index(key)).data() for key in COLUMNS}
    return cells


def _plain(cell: str) -> str:
    """An app cell in the terminal's typography."""
    text = cell.replace(F.TYPESET.reference, F.PLAIN.reference)
    if f"× — {F.UNRELIABLE_MARK}" in text:
        text = text.replace(f"× — {F.UNRELIABLE_MARK}", f"x ({F.UNRELIABLE_MARK})")
    text = text.replace(F.TYPESET.host_dependent, "")
    return text.replace("×", "x").replace("–", "-").replace("  ", " ")


def _assert_agree(app: dict, cli: dict) -> None:
    assert list(app) == list(cli)
    for name in app:
        for key, column in COLUMNS.items():
            assert _plain(app[name][key]) == cli[name][column], (name, key, app[name][key], cli[name][column])


@pytest.mark.parametrize("path", SESSIONS, ids=lambda p: p.name)
def test_app_and_show_print_the_same_numbers(qtbot, path):
    _assert_agree(_app_table(qtbot, S.load(path)), _show_table(path))


def _edited(tmp_path: Path, edit) -> Path:
    session = json.loads((RECORDED / "gated_cpu.json").read_text())
    edit(session["variants"])
    out = tmp_path / "edited.json"
    S.save(S.finalize(session), out)
    return out


def test_a_failed_eager_that_measured_is_still_the_reference(qtbot, tmp_path):
    """Eager failed after some rounds: the others' speedups were computed against it, so both say so."""
    def fail(variants):
        variants["eager"]["status"] = "failed"
        variants["eager"]["error"] = {"type": "RuntimeError", "message": "boom", "traceback": "", "phase": "measure"}
    path = _edited(tmp_path, fail)
    cli, app = _show_table(path), _app_table(qtbot, S.load(path))
    assert cli["eager"]["speedup vs eager (95% CI)"] == F.PLAIN.reference
    assert app["eager"]["speedup"] == F.TYPESET.reference
    assert cli["script"]["speedup vs eager (95% CI)"] != "-"
    _assert_agree(app, cli)


def test_a_stopped_eager_with_no_steady_iteration_is_no_reference(qtbot, tmp_path):
    """Stopped during warm-up: nothing to refer to, so neither prints "1.00x" for it."""
    def stop(variants):
        variants["eager"]["status"] = "stopped"
        for it in variants["eager"]["iterations"]:
            it["warmup"] = True
    path = _edited(tmp_path, stop)
    cli, app = _show_table(path), _app_table(qtbot, S.load(path))
    assert cli["eager"]["speedup vs eager (95% CI)"] == "-"
    assert app["eager"]["speedup"] == F.DASH
    assert cli["script"]["speedup vs eager (95% CI)"] == "-"
    _assert_agree(app, cli)


def test_the_rule():
    """Eager with steady iterations is the reference, whatever its status; without, it is not."""
    total = {"median": 1.0, "iqr": 0.1}
    assert F.is_reference("eager", total) and not F.is_reference("eager", None)
    assert not F.is_reference("script", total)
    for status in ("ok", "stopped", "failed", "timeout"):
        rec = {"status": status, "stats": {"total": total}}
        assert F.speedup_cell(rec, "eager", F.PLAIN) == ("1.00x (ref)", "")
        assert F.speedup_cell(rec, "eager", F.TYPESET) == ("1.00×  (reference)", "")
        assert F.speedup_cell({**rec, "stats": {"total": None}}, "eager", F.PLAIN) == ("-", "")
