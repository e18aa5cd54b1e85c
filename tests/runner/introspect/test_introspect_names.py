"""NNC's kernel names, derived without running NNC.

The expected names are the ones torch's profiler reported for gated.py's
fused forward and backward (on CPU with --cpu-fusion, and on an H100).
"""

from __future__ import annotations

from jitlab.runner.introspect import nnc_names

FORWARD_OPS = ["aten::mul", "aten::add", "aten::tanh", "aten::sigmoid", "aten::mul", "aten::relu", "aten::mul",
               "aten::add"]
BACKWARD_OPS = ["aten::mul", "aten::gt", "aten::type_as", "aten::mul", "aten::mul", "aten::mul", "aten::neg",
                "aten::add", "aten::mul", "aten::add", "aten::mul"]


def test_long_names_are_cut_and_hashed_like_nnc():
    fwd = nnc_names.truncate_with_hash(nnc_names.full_name(["prim::Constant", *FORWARD_OPS]))
    bwd = nnc_names.truncate_with_hash(nnc_names.full_name(BACKWARD_OPS))
    assert fwd == "fused_mul_add_tanh_s_2403023317769605389"
    assert bwd == "fused_mul_gt_type_as_5061629512478974344"
    assert len(fwd) == len(bwd) == nnc_names.MAX_LEN


def test_short_names_are_kept_whole():
    name = nnc_names.full_name(["aten::tanh", "aten::sigmoid", "aten::mul", "aten::mul", "aten::add"])
    assert nnc_names.truncate_with_hash(name) == "fused_tanh_sigmoid_mul_mul_add"


def test_profiled_name_matches_by_stem_when_the_hash_differs():
    derived = "fused_mul_add_tanh_s_2403023317769605389"
    assert nnc_names.stem(derived) == "fused_mul_add_tanh_s"
    assert nnc_names.match_profiled(derived, ["aten::sum", derived]) == derived
    other = "fused_mul_add_tanh_s_1234567890123"
    assert nnc_names.match_profiled(derived, [other, "aten::sum"]) == other
    assert nnc_names.match_profiled(derived, ["fused_mul_gt_type_as_5061629512478974344"]) is None
    assert nnc_names.match_profiled("fused_tanh_mul", ["fused_tanh_mul_add"]) is None
