"""The kernel view: sorting, filtering, short names with the full name on
hover and copy, the summary strip, and the source of a fused kernel."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from jitlab.gui.inside.kernel_model import COLUMN_KEYS, FULL_NAME_ROLE
from jitlab.core.present.kernels import headlines, summary_rows
from jitlab.gui.inside.qt_kernel_view import QtKernelView
from tests.gui.conftest import grab, shown


def _view(qtbot, session):
    return shown(qtbot, QtKernelView(session), 1300, 850)


def _column(view, key):
    col = COLUMN_KEYS.index(key)
    return [view.proxy.index(r, col).data() for r in range(view.proxy.rowCount())]


def _times(view):
    from jitlab.gui.inside.kernel_model import SORT_ROLE

    col = COLUMN_KEYS.index("time")
    return [view.proxy.index(r, col).data(SORT_ROLE) for r in range(view.proxy.rowCount())]


def test_table_sorts_by_clicking_headers(qtbot, h100_session, shots):
    view = _view(qtbot, h100_session)
    view.set_variant("eager")
    assert view.proxy.rowCount() == len(h100_session["variants"]["eager"]["kernels"]["items"]) == 20
    assert _times(view) == sorted(_times(view), reverse=True)  # longest first by default
    header = view.table.horizontalHeader()
    time_col = COLUMN_KEYS.index("time")
    x = header.sectionViewportPosition(time_col) + header.sectionSize(time_col) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert _times(view) == sorted(_times(view))
    count_col = COLUMN_KEYS.index("count")
    view.table.sortByColumn(count_col, Qt.SortOrder.DescendingOrder)
    counts = [float(c) for c in _column(view, "count")]
    assert counts == sorted(counts, reverse=True)
    view.table.sortByColumn(COLUMN_KEYS.index("kernel"), Qt.SortOrder.AscendingOrder)
    names = _column(view, "kernel")
    assert names == sorted(names, key=str.lower)
    grab(view, shots / "kernel_view_h100_eager.png")


def test_table_filters(qtbot, h100_session):
    view = _view(qtbot, h100_session)
    view.set_variant("eager")
    qtbot.keyClicks(view.filter_edit, "mul")
    shown = _column(view, "kernel")
    assert shown and all("Mul" in s for s in shown)
    assert view.count_label.text() == f"{len(shown)} of 20 rows"
    view.phase_box.setCurrentIndex(2)  # backward
    assert set(_column(view, "phase")) == {"backward"}
    view.filter_edit.clear()
    view.phase_box.setCurrentIndex(0)
    assert view.proxy.rowCount() == 20
    view.set_variant("compile")
    view.fused_box.setChecked(True)
    assert set(_column(view, "fused")) == {"fused"}
    assert all(n.startswith("triton_") for n in view.visible_names())
    qtbot.keyClicks(view.filter_edit, "reduce")  # no fused reduce kernel in compile
    assert view.proxy.rowCount() == 0


def test_short_names_with_full_name_on_hover_and_copy(qtbot, h100_session):
    view = _view(qtbot, h100_session)
    view.set_variant("eager")
    kernels = _column(view, "kernel")
    assert "elementwise<Mul>" in kernels and "reduce<sum>" in kernels
    row = kernels.index("elementwise<Mul>")
    index = view.proxy.index(row, 0)
    full = index.data(FULL_NAME_ROLE)
    assert full.startswith("void at::native::vectorized_elementwise_kernel<4, at::native::BinaryFunctor")
    assert "MulFunctor" in index.data(Qt.ItemDataRole.ToolTipRole)
    view.table.setCurrentIndex(index)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == full


def test_selecting_a_fused_kernel_shows_its_source(qtbot, h100_session, cpu_session, shots):
    view = _view(qtbot, h100_session)
    assert view.select_kernel("script", "fused_mul_add_tanh_s_2403023317769605389")
    assert "__global__" in view.source.text() and "fused_mul_add_tanh_s_2403023317769605389" in view.source.text()
    grab(view, shots / "kernel_view_h100_script.png")
    assert view.select_kernel("compile", "triton_red_fused_mul_sum_1")
    assert "@triton.jit" in view.source.text() and "def triton_red_fused_mul_sum_1" in view.source.text()
    assert view.select_kernel("eager", "Memset (Device)")
    assert view.source.text() == "" and "library kernel" in view.source.note.text()
    cpu = _view(qtbot, cpu_session)
    assert cpu.select_kernel("trace", "fused_mul_gt_type_as_5061629512478974344")
    group = cpu_session["variants"]["trace"]["graphs"]["fusion_groups"][1]
    assert cpu.source.text() == group["nnc_ir"]
    assert cpu.select_kernel("compile", "cpp_fused_add_mul_relu_sigmoid_tanh_0")
    assert 'extern "C"' in cpu.source.text()
    grab(cpu, shots / "kernel_view_cpu_compile.png")


def test_summary_strip_compares_variants(qtbot, h100_session):
    rows = {r["variant"]: r for r in summary_rows(h100_session)}
    assert rows["eager"]["launches"] == 21.99 and rows["script"]["launches"] == 9.66
    assert rows["script"]["speedup"] == h100_session["variants"]["script"]["speedup_vs_eager"]
    lines = headlines(h100_session)
    assert lines[0] == ("script launches 56% fewer kernels than eager (9.66 vs 22 per iteration); "
                        "it is 2.13× faster")
    view = _view(qtbot, h100_session)
    text = view.summary.text()
    assert "script launches 56% fewer kernels than eager" in text and "2.13×" in text
    assert "device time" in text and "0.216 ms" in text  # script's forward median


def test_cpu_session_says_rows_are_ops(qtbot, cpu_session):
    view = _view(qtbot, cpu_session)
    assert "CPU time" in view.model.headerData(COLUMN_KEYS.index("time"), Qt.Orientation.Horizontal)
    assert "runs 67% fewer ops than eager" in view.summary.text()
    view.set_variant("eager")
    assert "aten::mul" in _column(view, "kernel")


def test_the_kernel_table_says_what_it_is_against_the_timed_step(qtbot, tmp_path):
    """A real CPU run: the summary names the profiled iterations and compares them with the median."""
    import json

    from tests.conftest import EXAMPLES, run_jitlab

    out = tmp_path / "s.json"
    r = run_jitlab("run", str(EXAMPLES / "gated.py"), "--device", "cpu", "--variants", "eager,trace", "--threads",
                   "1", "--iters", "20", "--no-device-time", "-q", "--out", str(out))
    assert r.rc == 0, r.err
    session = json.loads(out.read_text())
    view = _view(qtbot, session)
    text = view.summary.text()
    for name in ("eager", "trace"):
        check = session["variants"][name]["kernels"]["check"]
        assert f"{name}: CPU op time per iteration" in text and "profiled iteration(s) against a measured" in text
        assert check["ratio"] > 0
