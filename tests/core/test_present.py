"""The presenters that ``jitlab show`` and the app share, without Qt: the terminal's typography is
ASCII, and the saved-runs folder and the comparison behave on real session files."""

from __future__ import annotations

import shutil

import pytest

from jitlab.core.present import compare as C
from jitlab.core.present import kernels as K
from jitlab.core.present import time_breakdown as T
from jitlab.core.present.numbers import PLAIN, TYPESET
from jitlab.core.session.saved import RunHistory
from jitlab.core.session.store import load
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "sessions"
SESSIONS = [*sorted(DATA.glob("*.json")), ROOT / "benchmarks" / "results" / "h200-device-time" / "conv2d-session.json"]


@pytest.mark.parametrize("path", SESSIONS, ids=lambda p: p.name)
def test_the_terminal_style_is_ascii_and_says_the_same_figures(path):
    session = load(path)
    rows = K.summary_rows(session)
    plain = [c for r in rows for c in K.summary_cells(r, PLAIN)] + K.launch_sentences(session, PLAIN)
    b = T.build(session["variants"], session["settings"], session.get("env"), style=PLAIN)
    plain += [c for bar in b.rows for c in (bar.end_to_end, bar.on_device)]
    assert all(text.isascii() for text in plain), [t for t in plain if not t.isascii()]
    # the same figures in both: only the typography differs
    typeset = [K.summary_cells(r, TYPESET) for r in rows]
    assert [[c.replace("µs", "us").replace("–", "-").replace("×", "x") for c in cells] for cells in typeset] == \
        [K.summary_cells(r, PLAIN) for r in rows]


def test_the_comparison_in_both_styles():
    a, b = load(DATA / "gated_run2_cpu.json"), load(DATA / "gated_run1_cpu.json")
    c = C.Comparison(a, b)
    assert c.previous is b and c.current is a  # run 1 was made first
    assert c.variants == ["eager", "script", "trace", "compile"]
    r = c.ratio("compile")
    assert r == pytest.approx(C.median(a, "compile") / C.median(b, "compile"))
    assert C.ratio_text(0.8) == "0.80× (−20%)" and C.ratio_text(0.8, PLAIN) == "0.80x (-20%)"
    assert C.ratio_text(1.02, PLAIN) == "1.02x (same)" and C.ratio_text(None, PLAIN) == "-"
    assert c.column(style=PLAIN)["compile"] == C.ratio_text(r, PLAIN)


def test_the_saved_runs_folder(tmp_path):
    for name in ("gated_run1_cpu.json", "gated_run2_cpu.json", "gated_h100.json"):
        shutil.copy(DATA / name, tmp_path / name)
    (tmp_path / "broken.json").write_text('{"schema": "jitlab.session/1", ')
    history = RunHistory(tmp_path)
    entries = history.scan()
    assert [e.path.name for e in entries if not e.error] == ["gated_run2_cpu.json", "gated_run1_cpu.json",
                                                             "gated_h100.json"]
    broken = next(e for e in entries if e.error)
    assert broken.path.name == "broken.json" and broken.headline == TYPESET.dash
    h100 = next(e for e in entries if e.path.name == "gated_h100.json")
    assert h100.headline == "script 2.13×" and h100.headline_text(PLAIN) == "script 2.13x"

    run2 = load(tmp_path / "gated_run2_cpu.json")
    # the older runs of gated.py: the one on the same device first, else one on another
    assert history.previous_of(run2).path.name == "gated_run1_cpu.json"
    history.delete(tmp_path / "gated_run1_cpu.json")
    assert history.previous_of(run2).path.name == "gated_h100.json"
    assert history.previous_of(load(tmp_path / "gated_h100.json")) is None  # the oldest
    assert "gated_run1_cpu.json" not in [e.path.name for e in history.scan()]
