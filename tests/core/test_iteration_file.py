"""Sessions written from the iteration store are the files the per-iteration records gave, byte for byte.

Three comparisons: a recorded real run replayed through the conductor against the session the
conductor wrote from it when it still kept one dict per iteration (``data/tiny_run.*``, recorded
with :mod:`tests.core.conductor_log`); a real ``jitlab run`` against the encoding and the statistics
of its own records; and every session under ``tests/*/data`` read back through the store.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from jitlab.core import stats
from jitlab.core.session import iterations
from jitlab.core.session import store as S
from tests.conftest import ROOT
from tests.core.conductor_log import replay

HERE = Path(__file__).resolve().parent / "data"
TINY = ROOT / "tests" / "gui" / "data" / "tiny.py"
SESSIONS = sorted(p for p in ROOT.glob("tests/**/data/**/*.json") if HERE not in p.parents)


def test_a_replayed_run_writes_the_file_the_record_per_iteration_conductor_wrote():
    log = json.loads((HERE / "tiny_run.calls.json").read_text())
    session = replay(log)
    assert isinstance(session["variants"]["script"]["iterations"], iterations.IterationStore)
    assert S.encode(session) + "\n" == (HERE / "tiny_run.session.json").read_text()


def _old_figures(session: dict) -> dict:
    """Statistics and speedups computed from the records, one dict at a time, as before the columns."""
    variants = session["variants"]
    interleaved = session["schedule"]["kind"] == "interleaved"
    blocks = {n: stats.block_medians(v["iterations"]) for n, v in variants.items()}

    def totals(v):
        return [stats.total_ms(it["fwd_ms"], it.get("bwd_ms")) for it in v["iterations"] if stats.steady(it)]

    out = {}
    for name, v in variants.items():
        out[name] = {"stats": stats.phase_stats(v["iterations"])}
        if name != "eager":
            sp = stats.speedup_over(blocks["eager"], blocks[name], interleaved,
                                    lambda: (totals(variants["eager"]), totals(v)))
            out[name]["speedup"] = [sp["estimate"], sp["ci"], sp["method"]]
    return out


def test_a_real_run_writes_its_records_as_the_records_encode_and_count(tmp_path):
    from tests.conftest import run_jitlab

    out = tmp_path / "run.json"
    r = run_jitlab("run", str(TINY), "--variants", "eager,script", "--iters", "60", "--mode", "train", "-q",
                   "--no-introspect", "--out", str(out))
    assert r.rc == 0, r.err
    text = out.read_text()
    records = json.loads(text)  # plain lists of dicts: the path that encoded them before the store
    assert S.encode(records) + "\n" == text
    for name, figures in _old_figures(records).items():
        v = records["variants"][name]
        assert v["stats"] == figures["stats"]
        if "speedup" in figures:
            assert [v["speedup_vs_eager"], v["speedup_ci"], v["speedup_method"]] == figures["speedup"]
    assert sum(1 for it in records["variants"]["eager"]["iterations"] if not it["warmup"]) == 60


@pytest.mark.parametrize("path", SESSIONS, ids=[p.name for p in SESSIONS])
def test_a_saved_session_reads_back_through_the_store_unchanged(path):
    loaded = S.load(path)
    held = copy.deepcopy(loaded)
    for v in held["variants"].values():
        iterations.hold(v)
    assert S.encode(held) == S.encode(loaded)
    from_records = S.finalize(copy.deepcopy(loaded))
    from_columns = S.finalize(held)
    assert S.encode(from_columns) == S.encode(from_records)
    for name, v in from_columns["variants"].items():
        assert v["stats"] == loaded["variants"][name]["stats"]  # as the jitlab that wrote the file computed
