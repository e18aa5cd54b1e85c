"""Malformed session files are refused once, on load, by name and with what is wrong."""

from __future__ import annotations

import copy
import json

import pytest

from jitlab.core.session import store as S
from tests.conftest import RECORDED, run_jitlab

GOOD = RECORDED / "gated_cpu.json"


def _set(path: str, value):
    def mutate(s):
        *parents, last = path.split(".")
        node = s
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return mutate


MUTATIONS = {
    "env.device is text": (_set("env.device", "cpu"), "env.device"),
    "created is markup": (_set("created", "<img src=x>"), "created"),
    "status unknown": (_set("variants.eager.status", "great"), "variants.eager.status"),
    "iterations not a list": (_set("variants.eager.iterations", {"a": 1}), "variant 'eager' is incomplete"),
    "fwd_ms is text": (_set("variants.script.iterations.3.fwd_ms", "fast"), "variants.script.iterations[3].fwd_ms"),
    "iteration not an object": (_set("variants.script.iterations.0", 5), "variants.script.iterations[0]"),
    "stats total is a list": (_set("variants.eager.stats.total", [1, 2]), "variants.eager.stats.total"),
    "notes not text": (_set("variants.eager.notes", [1, {}]), "variants.eager.notes[0]"),
    "error is text": (_set("variants.trace.error", "boom"), "variants.trace.error"),
    "speedup is text": (_set("variants.script.speedup_vs_eager", "2x"), "variants.script.speedup_vs_eager"),
    "settings iters text": (_set("settings.iters", "many"), "settings.iters"),
    "schedule rounds wrong": (_set("schedule.rounds", [[1, 2]]), "schedule.rounds[0][0]"),
    "samples not objects": (_set("samples", ["hot"]), "samples[0]"),
    "warnings not a list": (_set("warnings", "careful"), "warnings"),
    "variant name markup": (lambda s: s["variants"].__setitem__("<b>x</b>", s["variants"]["eager"]), "variant name"),
    "graphs is a number": (_set("variants.script.graphs", 3), "variants.script.graphs"),
    "kernel origin line is text": (_set("variants.script.kernels.items.0.origins",
                                        [{"file": "m.py", "line": "ten", "share": 1.0}]),
                                   "variants.script.kernels.items[0].origins[0].line"),
    "kernel origins not a list": (_set("variants.script.kernels.items.0.origins", "m.py:10"),
                                  "variants.script.kernels.items[0].origins"),
    "kernel lines about is text": (_set("variants.script.kernels.lines", "many"), "variants.script.kernels.lines"),
}


@pytest.fixture(scope="module")
def good():
    return json.loads(GOOD.read_text())


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_a_malformed_session_is_refused_by_name_with_what_is_wrong(tmp_path, good, name):
    mutate, where = MUTATIONS[name]
    s = copy.deepcopy(good)
    mutate(s)
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(s))
    with pytest.raises(S.SessionError) as info:
        S.load(f)
    assert str(f) in str(info.value) and where in str(info.value), str(info.value)
    r = run_jitlab("show", str(f))
    assert r.rc == 2 and "Traceback" not in r.err and where in r.err


def test_the_good_sessions_still_load():
    for f in GOOD.parent.glob("*.json"):
        S.load(f)


def test_json_nested_too_deeply_is_refused_by_name(tmp_path):
    f = tmp_path / "deep.json"
    f.write_text("[" * 200_000 + "]" * 200_000)
    r = run_jitlab("show", str(f))
    assert r.rc == 2 and "nested too deeply" in r.err and "Traceback" not in r.err
