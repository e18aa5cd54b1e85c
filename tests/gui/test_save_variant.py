"""File ▸ Save variant…: a runner saves the open module; the window reports what loads back and what failed."""

from __future__ import annotations

from tests.conftest import DATA
from tests.gui.conftest import RUN_TIMEOUT_MS


def test_save_variant_writes_the_files_from_a_runner(qtbot, window, tmp_path):
    assert window.actions["save_variant"].text() == "Save &Variant…"
    window.open_path(str(DATA / "linear.py"))
    assert window.save_variant(tmp_path)
    with qtbot.waitSignal(window.saver.sig_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        pass
    report = blocker.args[0]
    assert report.ok, report
    assert {p.name for p in tmp_path.iterdir()} >= {"linear.script.pt", "linear.trace.pt", "linear.pt2"}
    assert "Saved 3 file(s)" in window.statusBar().currentMessage()


def test_save_variant_failure_is_shown_in_the_banner(qtbot, window, tmp_path):
    window.open_path(str(DATA / "data_dependent_branch.py"))
    assert window.save_variant(tmp_path)
    with qtbot.waitSignal(window.saver.sig_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        pass
    report = blocker.args[0]
    assert not report.ok
    text = window.banner.label.text()
    assert "export  FAILED: torch.export failed at data_dependent_branch.py:" in text
    assert "data-dependent control flow" in text
    assert (tmp_path / "data_dependent_branch.script.pt").is_file()


def test_save_variant_without_a_module_says_so(window, tmp_path):
    assert not window.save_variant(tmp_path)
    assert "open a module file first" in window.banner.label.text()
