"""Trace's trap, shown: a traced module is run on a second, freshly drawn input and compared with eager."""

from __future__ import annotations

import pytest

from tests.conftest import DATA


@pytest.mark.slow
def test_a_data_dependent_branch_shows_that_trace_differs_on_new_inputs(jitlab_run):
    res = jitlab_run(DATA / "data_dependent_branch.py", "--variants", "eager,script,trace", "--no-introspect")
    assert res.rc == 0, res.err
    trace = res.session["variants"]["trace"]
    assert trace["check"]["ok"]  # on the example input, trace agrees with eager ...
    assert trace["check"]["second_input"]["ok"] is False  # ... not on a new one
    assert any(w.startswith("trace gives a different result on new inputs") for w in trace["warnings"])
    assert "DIFFERS on new inputs" in res.out and "trace gives a different result on new inputs" in res.out
    script = res.session["variants"]["script"]
    assert script["check"]["ok"] and "second_input" not in script["check"]  # script keeps the branch


@pytest.mark.slow
def test_a_module_without_data_dependent_control_flow_passes_the_second_input(jitlab_run):
    res = jitlab_run(DATA / "linear.py", "--variants", "eager,trace", "--no-introspect")
    assert res.rc == 0, res.err
    trace = res.session["variants"]["trace"]
    assert trace["check"]["second_input"]["ok"] is True
    assert not any("new inputs" in w for w in trace["warnings"])
