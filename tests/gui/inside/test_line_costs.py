"""The time per source line in the kernel view's source pane, and a kernel's lines marked.

The session is a real run of the pointwise module of ``tests/runner/introspect/test_kernel_lines.py``
(script and compile, on the CPU).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jitlab.core.present import lines as L
from jitlab.core.session import store as S
from tests.conftest import ROOT, run_jitlab

MODULE = ROOT / "tests" / "runner" / "introspect" / "test_kernel_lines.py"


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    out = tmp_path_factory.mktemp("gutter") / "s.json"
    r = run_jitlab("run", str(MODULE), "--variants", "eager,script,compile", "--device", "cpu", "--iters", "3",
                   "--threads", "1", "--no-device-time", "-q", "--out", str(out))
    assert r.session is not None, r.err
    return S.load(out)


def _forward_lines() -> set[int]:
    from tests.runner.introspect.test_kernel_lines import forward_lines

    return set(forward_lines().values())


def test_gutter_shows_the_time_of_each_line_per_variant(qtbot, session, tmp_path):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QImage

    from jitlab.gui.inside.qt_cost_gutter import BAR_COLOR
    from jitlab.gui.inside.qt_kernel_view import QtKernelView

    view = QtKernelView(session)
    qtbot.addWidget(view)
    view.resize(1500, 800)
    view.show()
    view.set_variant("compile")
    pane = view.lines
    assert not pane.isHidden()
    assert [pane.cost_box.itemText(i) for i in range(pane.cost_box.count())] == ["script", "compile"]  # not eager
    assert pane.cost_variant() == "compile"
    table = L.line_table(session, "compile")
    expected = {n: L.format_us(c.total_us) for n, c in table.for_file(str(MODULE)).items()}
    assert set(pane.gutter.labels) == _forward_lines()
    assert pane.gutter.labels == expected
    assert "split evenly" in pane.cost_note.text()
    first = min(_forward_lines())
    y = pane.editor.line_rect(first - 1).center().y()
    assert pane.gutter.line_at(y) == first
    assert pane.gutter.tips[first].startswith(f"line {first}: ") and "cpp_fused_" in pane.gutter.tips[first]

    # The pane's own selector switches the gutter to another variant; the table stays where it was.
    pane.set_cost_variant("script")
    script = L.line_table(session, "script")
    assert pane.gutter.labels == {n: L.format_us(c.total_us) for n, c in script.for_file(str(MODULE)).items()}
    assert view.model.variant == "compile"

    # The kernel view's variant choice brings the gutter along.
    view.set_variant("eager")
    assert pane.cost_variant() == "script"  # eager has no lines: the gutter keeps what it showed
    view.set_variant("compile")
    assert pane.cost_variant() == "compile"

    # The screenshot shows the gutter: its bar colour beside every line with a time, none beside the others.
    folder = Path(os.environ.get("JITLAB_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / "kernel-view-gutter.png"
    assert view.grab().save(str(shot))
    image = QImage(str(shot))
    origin = pane.gutter.mapTo(view, QPoint(0, 0))
    bar = BAR_COLOR.rgb()

    def bar_pixels(line: int) -> int:
        rect = pane.editor.line_rect(line - 1)
        y = origin.y() + rect.center().y()
        return sum(1 for x in range(origin.x(), origin.x() + pane.gutter.width()) if image.pixel(x, y) == bar)

    for line in _forward_lines():
        assert bar_pixels(line) > 0, line
    assert bar_pixels(min(_forward_lines()) - 1) == 0  # ``def forward``: no time of its own


def test_clicking_a_kernel_marks_its_lines(qtbot, session):
    from jitlab.gui.inside.qt_kernel_view import QtKernelView

    view = QtKernelView(session)
    qtbot.addWidget(view)
    view.show()
    kernel = next(r["name"] for r in session["variants"]["compile"]["kernels"]["items"]
                  if r["name"].startswith("cpp_fused_") and r["phase"] == "fwd")
    assert view.select_kernel("compile", kernel)
    marks = view.lines.editor._marks["target"]
    assert {sel.cursor.blockNumber() + 1 for sel in marks} == _forward_lines()
    # The table says the same in its "Your lines" column.
    from jitlab.gui.inside.kernel_model import COLUMN_KEYS, FULL_NAME_ROLE

    col = COLUMN_KEYS.index("lines")
    shown = {view.proxy.index(r, 0).data(FULL_NAME_ROLE): view.proxy.index(r, col).data()
             for r in range(view.proxy.rowCount())}
    assert shown[kernel] == ", ".join(str(n) for n in sorted(_forward_lines()))

    # A row traced to no line (a library op outside the compiled graph) clears the marks.
    untraced = next(r["name"] for r in session["variants"]["compile"]["kernels"]["items"] if not r.get("origins"))
    assert view.select_kernel("compile", untraced)
    assert view.lines.editor._marks["target"] == []


def test_no_source_pane_without_lines(qtbot, session):
    from jitlab.gui.inside.qt_kernel_view import QtKernelView

    bare = {**session, "variants": {"eager": session["variants"]["eager"]}}
    view = QtKernelView(bare)
    qtbot.addWidget(view)
    assert view.lines.isHidden()
    assert view.lines.cost_box.count() == 0
