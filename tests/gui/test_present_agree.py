"""The window and ``jitlab show`` render the kernel strip and the time breakdown of a session alike.

Both take their figures from :mod:`jitlab.core.present` (``kernels``, ``time_breakdown``). The
app's side is read from the real widgets (offscreen), the terminal's from the real ``jitlab show``
command; the window's typography is turned into the terminal's field by field of the two styles.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

for _needed in ("PySide6", "pyqtgraph", "pytestqt"):
    pytest.importorskip(_needed)

import jitlab.gui  # noqa: E402,F401 - applies the PySide6 6.12 / Python < 3.12 workaround before any widget
from jitlab.core.present import numbers as F  # noqa: E402
from jitlab.core.session.store import load  # noqa: E402
from jitlab.gui.inside.qt_kernel_view import QtKernelView  # noqa: E402
from jitlab.gui.live.qt_time_breakdown import QtTimeBreakdown  # noqa: E402
from jitlab.gui.live.run_model import RunModel  # noqa: E402
from tests.conftest import ROOT, run_jitlab  # noqa: E402

pytestmark = pytest.mark.gui

VIEWS_DATA = ROOT / "tests" / "data" / "sessions"
RESULTS = ROOT / "benchmarks" / "results"
#: CPU and H100 kernel lists, an H200 one with host-dependent speedups, and the compile modes' long names.
KERNEL_SESSIONS = [VIEWS_DATA / "gated_cpu.json", VIEWS_DATA / "gated_h100.json",
                   RESULTS / "h200-device-time" / "conv2d-session.json", RESULTS / "h200-compile-modes" / "conv2d.json"]
#: A busy CPU (unreliable speedups), an H200 (host-dependent ones), the compile modes.
BREAKDOWN_SESSIONS = [VIEWS_DATA / "gated_busy_cpu.json", RESULTS / "h200-device-time" / "conv2d-session.json",
                      RESULTS / "h200-compile-modes" / "conv2d.json"]
#: Style fields in the order they are undone: whole phrases before the characters they contain.
FIELDS = ("reference", "host_dependent", "gap", "times", "dash", "range_sep", "micro", "minus")


def plain(text: str) -> str:
    """Text the window typeset, in the terminal's typography."""
    mark = {"ratio": "", "mark": F.UNRELIABLE_MARK}
    text = text.replace(F.TYPESET.unreliable.format(**mark), F.PLAIN.unreliable.format(**mark))
    for field in FIELDS:
        text = text.replace(getattr(F.TYPESET, field), getattr(F.PLAIN, field))
    return text


def show(path: Path, what: str) -> list[str]:
    result = run_jitlab("show", str(path), "--what", what, timeout=120)
    assert result.rc == 0, result.err
    return result.out.splitlines()


def terminal_table(lines: list[str], second_head: str) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """The heads, the rows by variant and the lines after the rows of the table whose heads are
    ``variant`` and ``second_head`` first (cells cut at the columns of its rule line)."""
    top = next(i for i, line in enumerate(lines) if re.match(rf"variant +{second_head}", line))
    edges = [m.start() for m in re.finditer(r"-+", lines[top + 1])] + [None]

    def cells(line: str) -> list[str]:
        return [line[a:b].strip() for a, b in zip(edges, edges[1:])]

    rows, rest = {}, []
    for line in lines[top + 2:]:
        if not line.strip():
            break
        if rest or " " in cells(line)[0]:  # a variant's name has no space; the sentences after the rows do
            rest.append(line)
        else:
            rows[cells(line)[0]] = cells(line)[1:]
    return cells(lines[top])[1:], rows, rest


def _untagged(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("\xa0", " ").strip()


@pytest.mark.parametrize("path", KERNEL_SESSIONS, ids=lambda p: p.parent.name + "/" + p.name)
def test_the_kernel_strip_is_the_same(qtbot, path):
    view = QtKernelView(load(path))
    qtbot.addWidget(view)
    shown = view.summary.text()
    app_rows = [[_untagged(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)]
                for row in re.findall(r"<tr>(.*?)</tr>", shown)]
    app_heads = app_rows[0][1:]
    app = {row[0].removeprefix("■ "): row[1:] for row in app_rows[1:]}
    sentences = [_untagged(s) for s in re.findall(r"<li>(.*?)</li>", shown)]

    lines = show(path, "kernels")
    heads, cli, said = terminal_table(lines, "distinct")
    assert lines[0].startswith("== variants: kernels per iteration compared")
    assert heads == app_heads
    assert list(cli) == list(app)
    for name, cells in app.items():
        assert [plain(c) for c in cells] == cli[name], name
    # the app's list goes on with each kernel table's check, which the terminal prints under that table
    assert [plain(s) for s in sentences[:len(said)]] == said
    for check in sentences[len(said):]:
        assert check.split(": ", 2)[-1] in "\n".join(lines)


def _app_bars(qtbot, session: dict) -> tuple[str, dict[str, dict[str, str]]]:
    """The breakdown view's title and, per bar it draws, its verdict and speedup cells (from its text)."""
    model = RunModel()
    view = QtTimeBreakdown(model)
    qtbot.addWidget(view)
    model.show_session(session)
    title, _legend, *rows = view.text().splitlines()
    bars = {}
    for row in rows:
        head, verdict, *speedups = row.split("  |  ")
        name, segments = head.split(": ", 1)
        if segments == "-":
            continue  # no device time sampled: the terminal's table has no row for it
        bar = {"verdict": verdict.split(" — ")[0]}
        if speedups:
            found = re.fullmatch(r"end to end (.*) · on (?:device|ops) time (.*)", speedups[0])
            assert found, speedups[0]
            bar["end to end"], bar["on device"] = found.groups()
        bars[name] = bar
    return title, bars


@pytest.mark.parametrize("path", BREAKDOWN_SESSIONS, ids=lambda p: p.parent.name + "/" + p.name)
def test_the_time_breakdown_is_the_same(qtbot, path):
    title, app = _app_bars(qtbot, load(path))
    lines = show(path, "summary")
    heads, cli, _ = terminal_table(lines, "wall ms")
    assert list(cli) == list(app)
    column = {h: i for i, h in enumerate(heads)}
    e2e = column["speedup end to end"]
    on_device = next(i for h, i in column.items() if h.startswith("speedup on "))
    for name, bar in app.items():
        row = cli[name]
        assert bar["verdict"] == row[column["verdict"]], name
        if "end to end" in bar:  # the terminal marks a host-dependent one with a footnote instead
            assert plain(bar["end to end"]) == row[e2e].removesuffix(" *"), name
            assert plain(bar["on device"]) == row[on_device], name
    iterations = re.search(r"up to (\d+) sampled", title).group(1)
    assert f"up to {iterations} profiled iterations" in "\n".join(lines)
