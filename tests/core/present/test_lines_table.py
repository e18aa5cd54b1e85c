"""The per-line table of jitlab.core.present.lines on kernel records as runners write them."""

from __future__ import annotations

import pytest

from jitlab.core.present import lines as L


def _record(items):
    return {"kernels": {"items": items, "unit": "CUDA kernel", "what": "device time per iteration (CUDA kernels)",
                        "lines": {"file": "/m/layer.py", "source": "test rows", "split": L.SPLIT_DEFAULT}}}


ITEMS = [
    {"name": "triton_poi_fused_mul_sin_0", "phase": "fwd", "device_time_us": 30.0,
     "origins": [{"file": "/m/layer.py", "line": 10, "share": 0.5}, {"file": "/m/layer.py", "line": 12, "share": 0.5}]},
    {"name": "triton_poi_fused_mul_0", "phase": "bwd", "device_time_us": 8.0,
     "origins": [{"file": "/m/layer.py", "line": 10, "share": 1.0}]},
    {"name": "sm90_gemm", "phase": "fwd", "device_time_us": 100.0,
     "origins": [{"file": "/venv/torch/nn/modules/linear.py", "line": 134, "share": 1.0}]},
    {"name": "void at::native::fill", "phase": "fwd", "device_time_us": 2.0},
]


def test_a_shared_kernel_is_split_and_phases_are_kept_apart():
    table = L.record_table(_record(ITEMS), "compile")
    mine = table.for_file("/m/layer.py")
    assert set(mine) == {10, 12}
    assert mine[10].fwd_us == pytest.approx(15.0) and mine[10].bwd_us == pytest.approx(8.0)
    assert mine[12].total_us == pytest.approx(15.0)
    assert mine[10].kernels == ["triton_poi_fused_mul_sin_0", "triton_poi_fused_mul_0"]
    assert table.total_us == pytest.approx(140.0)
    assert table.unmapped_us == pytest.approx(2.0) and table.unmapped == ["void at::native::fill"]
    assert L.gutter_labels(table, "/m/layer.py") == {10: "23.0 us", 12: "15.0 us"}
    assert L.shares(table, "/m/layer.py")[10] == pytest.approx(23 / 140)


def test_render_lists_the_module_lines_first_then_other_files_and_what_was_not_traced():
    table = L.record_table(_record(ITEMS), "compile")
    source = [""] * 9 + ["y = torch.sin(x) * w", "", "return y * 2"]
    text = L.render(table, source).splitlines()
    assert text[0].split()[:5] == ["line", "fwd", "bwd", "total", "share"]
    assert text[1].split()[0] == "10" and "y = torch.sin(x) * w" in text[1]
    assert text[2].split()[0] == "12"
    assert text[3].split()[0] == "linear.py:134"
    assert text[-1] == "not traced to a line: 2.0 us of 140 us (1 row(s): void at::native::fill)"
    assert any("split evenly" in line for line in text)


def test_no_table_without_origins_and_kernel_lines_of_one_file():
    assert L.record_table({"kernels": {"items": [ITEMS[-1]]}}, "eager") is None
    assert L.record_table({"kernels": None}, "eager") is None
    assert L.variants_with_lines({"variants": {"a": _record(ITEMS), "b": {"kernels": {"items": []}}}}) == ["a"]
    assert L.kernel_lines(ITEMS[0], "/m/layer.py") == [10, 12]
    assert L.kernel_lines(ITEMS[2], "/m/layer.py") == []


@pytest.mark.parametrize("us, text", [(0.25, "250 ns"), (12.34, "12.3 us"), (250.0, "250 us"), (1250.0, "1.25 ms")])
def test_format_us(us, text):
    assert L.format_us(us) == text


def test_a_row_partly_made_by_the_graph_leaves_the_rest_untraced():
    # aten::sum twice per iteration, once from line 11 and once from jitlab's loss: half is traced.
    rows = [{"name": "aten::sum", "phase": "fwd", "device_time_us": 10.0, "count": 2,
             "origins": [{"file": "/m/layer.py", "line": 11, "share": 0.5}]}]
    table = L.record_table(_record(rows), "script")
    assert table.for_file("/m/layer.py")[11].total_us == pytest.approx(5.0)
    assert table.unmapped_us == pytest.approx(5.0) and table.unmapped == ["aten::sum"]
