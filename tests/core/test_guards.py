"""Dynamo's failed guards in plain words, as torch 2.11 and 2.13 write them."""

from __future__ import annotations

from jitlab.core.guards import describe, first_failure, plain_subject

#: torch 2.13: the user's own names, the source line and a hint after the guard.
REASON_213 = ("0/0: s.scale == 1                                 # return torch.relu(s.lin(x)) * s.scale  "
              "# layer.py:10 in forward (HINT: torch.compile considers integer attributes of the nn.Module to be "
              "static.)\nUser stack trace:\n  File \"layer.py\", line 10, in forward")


def test_a_changed_attribute_with_its_new_value():
    out = describe(REASON_213, read=lambda subject: {"self.scale": 2}[subject], self_name="s")
    assert out["text"] == "`self.scale` changed from 1 to 2"
    assert (out["subject"], out["expected"], out["now"], out["kind"]) == ("self.scale", "1", "2", "value")
    assert out["guard"] == "s.scale == 1"


def test_torch_211_sources_become_attributes():
    out = describe("0/0: L['self']._modules['block'].mode == 'fast'", read=lambda s: "exact")
    assert out["text"] == "`self.block.mode` changed from 'fast' to 'exact'"
    assert plain_subject("L['self']._parameters['w']") == "self.w"
    assert plain_subject("G['CONFIG'].depth") == "CONFIG.depth"


def test_a_value_that_cannot_be_read_is_left_out():
    def fails(subject):
        raise KeyError(subject)

    assert describe("L['self'].scale == 1", read=fails)["text"] == "`self.scale` is no longer 1"
    assert describe("L['self'].scale == 1")["text"] == "`self.scale` is no longer 1"


def test_shapes_types_identities_lengths_and_truth():
    assert describe("tensor 'L['x']' size mismatch at index 0. expected 4, actual 8")["text"] == \
        "`x` changed size: dimension 0 was 4, now 8"
    assert describe("tensor 'x' stride mismatch at index 1. expected 1, actual 2")["text"] == \
        "`x` changed stride: dimension 1 was 1, now 2"
    assert describe("tensor 'L['x']' requires_grad mismatch. expected requires_grad=0")["text"] == \
        "`x`: requires_grad mismatch. expected requires_grad=0"
    assert describe("___check_type_id(L['self']._modules['act'], 94123)", read=lambda s: 3.0)["text"] == \
        "`self.act` changed type (now float)"
    assert describe("___check_obj_id(L['self'].table, 140001)")["text"] == \
        "`self.table` is a different object than at compile time"
    assert describe("len(L['self'].layers) == 3", read=lambda s: [1, 2])["text"] == \
        "`self.layers` changed length from 3 to 2"
    assert describe("L['self'].training")["text"] == "`self.training` became false"
    assert describe("not L['self'].flag")["text"] == "`self.flag` became true"


def test_unknown_guards_are_kept_readable_and_missing_ones_said():
    out = describe("0/0: ___dict_contains('k', L['self'].cache)")
    assert out["kind"] == "other" and out["text"] == "___dict_contains('k', self.cache)"
    assert describe(None)["text"] == "reason not recorded by this torch"
    assert first_failure("[0/1]: L['x'] == 3\n1/0: other") == "L['x'] == 3"
