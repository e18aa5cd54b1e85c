"""The small things a professional tool gets right, through the real window and the real command line."""

from __future__ import annotations

import copy
import sys

from jitlab import __version__
from jitlab.core.present.explain import INTERNAL_ASSERT_HINT, check_text, explain, iterations_text, warmup_notes
from jitlab.gui.live.qt_stats_table import COLUMN_KEYS
from tests.conftest import DATA as SHARED_DATA
from tests.conftest import RECORDED, load_data, run_jitlab
from tests.gui.conftest import DATA, configure, open_and_wait_ready, run_to_end

CPU_SESSION = RECORDED / "gated_cpu.json"
GPU_SESSION = RECORDED / "gated_h100.json"


def test_the_cli_header_says_what_was_measured_and_the_table_reads_like_the_app(tmp_path):
    out = tmp_path / "s.json"
    res = run_jitlab("run", str(SHARED_DATA / "linear.py"), "--variants", "eager,trace", "--iters", "100000",
                     "--budget", "1", "-q", "--no-introspect", "--out", str(out))
    assert res.rc == 0, res.err
    assert "of 100000 iterations measured (time budget)" in res.out
    assert "100000 iterations after" not in res.out
    assert "median (IQR)" in res.out and "half-IQR" not in res.out
    assert "matches eager (rel. err." in res.out


def test_plain_words_for_checks_torch_jargon_and_long_warmups():
    assert check_text({"ok": True, "max_abs_err": 0.0, "max_rel_err": 0.0}) == "matches eager (rel. err. 0)"
    assert check_text({"ok": False, "max_abs_err": 0.5, "max_rel_err": 0.98}).startswith("DIFFERS from eager")
    note = "kernels not recorded: RuntimeError: false INTERNAL ASSERT FAILED at profiler.cpp:12"
    assert explain(note).startswith(INTERNAL_ASSERT_HINT) and explain(note).endswith(note)
    assert explain(explain(note)) == explain(note)
    session = {"settings": {"warmup": 5, "iters": 100},
               "variants": {"script": {"iterations": [{"warmup": True}] * 507 + [{"warmup": False}] * 100},
                            "eager": {"iterations": [{"warmup": True}] * 5 + [{"warmup": False}] * 100}}}
    assert warmup_notes(session) == ["script: warmed up for 507 iterations (5 asked for): its times took that "
                                     "long to settle, and none of them is in the statistics"]
    assert iterations_text(session) == "100 iterations"


def test_the_window_explains_notes_hides_empty_memory_and_says_the_check_in_words(qtbot, window):
    session = load_data("gated_cpu.json")
    session = copy.deepcopy(session)
    session["variants"]["script"]["notes"].append("profiler: INTERNAL ASSERT FAILED at x.cpp:1")
    session["variants"]["trace"]["iterations"] = ([dict(session["variants"]["trace"]["iterations"][0], warmup=True)]
                                                  * 400 + session["variants"]["trace"]["iterations"])
    window.model.show_session(session, str(CPU_SESSION))
    window.stats.refresh()
    window.progress.update_all()
    details = window.progress.details.text()
    assert "not a mistake in your code" in details
    assert "trace: warmed up for 40" in details
    memory = COLUMN_KEYS.index("memory")
    assert window.stats.view.isColumnHidden(memory)  # CPU: no device memory to show
    assert window.stats.table_model.cell_text("script", "check").startswith("matches (rel. err.")
    window.model.show_session(load_data("gated_h100.json"), str(GPU_SESSION))
    window.stats.refresh()
    assert not window.stats.view.isColumnHidden(memory)


def test_the_header_does_not_say_ready_to_run_over_a_finished_run(qtbot, window):
    configure(window, ["eager"], iters=3)
    open_and_wait_ready(qtbot, window, DATA / "tiny.py", ["eager"])
    assert "ready to run" in window.controls.probe_label.text()
    run_to_end(qtbot, window)
    text = window.controls.probe_label.text()
    assert "ready to run" not in text and "run finished" in text


def test_help_menu_and_a_remembered_runner_interpreter(qtbot, window):
    assert {"user_guide", "about"} <= set(window.actions)
    window.model.show_session(load_data("gated_cpu.json"), str(CPU_SESSION))
    window.actions["about"].trigger()
    text = window.about_box.text()
    assert f"jitlab</b></td><td>&nbsp;{__version__}" in text and "2.13.0+cpu" in text and "PySide6" in text
    window.about_box.close()

    assert window.set_runner_python(sys.executable)
    assert window.bench.python == sys.executable
    configure(window, ["eager"], iters=3)
    open_and_wait_ready(qtbot, window, DATA / "tiny.py", ["eager"])
    assert run_to_end(qtbot, window)["variants"]["eager"]["status"] == "ok"  # runs with the chosen interpreter

    from jitlab.gui.qt_main_window import MainWindow

    later = MainWindow()  # the next launch remembers it
    qtbot.addWidget(later)
    assert later.bench.python == sys.executable
    later.bench.shutdown()
