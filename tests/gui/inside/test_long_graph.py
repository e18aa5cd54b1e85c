"""A graph longer than the old 200,000-character cut is kept whole, shown lazily, and searched whole."""

from __future__ import annotations

import pytest

from jitlab.gui.inside import qt_code_edit
from jitlab.gui.inside.qt_graph_view import QtGraphView
from tests.conftest import DATA as SHARED_DATA
from tests.conftest import run_jitlab


@pytest.mark.slow
def test_a_long_traced_graph_is_whole_in_the_session_and_shown_lazily(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(qt_code_edit, "LAZY_LINES", 1000)  # pieces of 1,000 lines: the graph has ~3,600
    lazy = qt_code_edit.LAZY_LINES
    out = tmp_path / "long.json"
    res = run_jitlab("run", str(SHARED_DATA / "long_graph.py"), "--variants", "eager,trace", "--iters", "2",
                     "--warmup", "1", "-q", "--out", str(out))
    assert res.rc == 0, res.err
    trace = res.session["variants"]["trace"]
    graph = trace["graphs"]["graph"]
    assert len(graph) > 300_000 and not graph.rstrip().endswith("not kept]")
    assert not any("were kept" in n for n in trace["notes"])

    view = QtGraphView(res.session)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    pane = view.left
    assert pane.show_document("trace", "graph")
    editor = pane.editor
    total = graph.count("\n") + 1
    assert total > lazy * 3
    assert editor.document().blockCount() <= lazy + 1  # only the first piece is laid out
    assert pane.text() == graph  # ... but the pane holds all of it
    assert "shown as you scroll down" in pane.note.text()

    # Find counts every match in the whole text and jumps to one that was not shown yet
    last_line = graph.rstrip("\n").splitlines()[-2].strip()
    needle = "aten::tanh"
    assert needle in last_line or needle in graph[-2000:]
    pane.open_find()
    pane.find_bar.edit.setText(needle)
    assert pane.find_bar.count.text() == f"{graph.count(needle)} match" + ("es" if graph.count(needle) != 1 else "")
    assert editor.textCursor().selectedText() == needle
    assert editor.textCursor().blockNumber() > lazy  # it loaded the text down to the match
    # scrolling to the bottom loads the rest
    while not editor.fully_loaded:
        editor.verticalScrollBar().setValue(editor.verticalScrollBar().maximum())
    assert editor.toPlainText() == graph
