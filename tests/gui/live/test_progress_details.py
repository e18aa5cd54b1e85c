"""The run details under the progress bars name where the run ran."""

from __future__ import annotations

import copy

from jitlab.gui.live.qt_progress import QtProgressView
from jitlab.gui.live.run_model import RunModel
from tests.conftest import load_data


def _details(qtbot, session) -> str:
    model = RunModel()
    view = QtProgressView(model)
    qtbot.addWidget(view)
    model.show_session(session)
    return view.details.text()


def test_pinned_runners_name_their_core(qtbot):
    session = copy.deepcopy(load_data("gated_h100.json"))
    assert "runners on CPU core" not in _details(qtbot, session)
    session["env"]["cpu_affinity"] = [15]
    text = _details(qtbot, session)
    assert "NVIDIA H100" in text and "runners on CPU core 15" in text
