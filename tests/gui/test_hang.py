"""A hang in the app: the watchdog reports it with the user's line, and the progress view says so."""

from __future__ import annotations

from tests.conftest import DATA as SHARED_DATA
from tests.gui.conftest import configure, open_and_wait_ready, run_to_end

HANG = SHARED_DATA / "hangs_in_forward.py"


def test_a_hung_variant_is_stopped_and_reported_with_its_stack(qtbot, window):
    win = window
    configure(win, ["eager", "trace"], iters=3)
    win.controls.apply({"stall_timeout": 3})
    open_and_wait_ready(qtbot, win, HANG, ["eager", "trace"])
    session = run_to_end(qtbot, win)
    eager = session["variants"]["eager"]
    assert eager["status"] == "timeout" and eager["error"]["kind"] == "hang"
    assert eager["error"]["location"]["line"] == 23
    assert "in wait_forever" in eager["error"]["traceback"]
    assert session["variants"]["trace"]["status"] == "ok"
    win.stats.refresh()
    m = win.stats.table_model
    texts = [" ".join(str(m.data(m.index(r, c)) or "") for c in range(m.columnCount())) for r in range(m.rowCount())]
    assert any("eager" in t and "no progress" in t for t in texts), texts
