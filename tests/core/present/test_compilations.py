"""Dynamo's compilations, one per compile id, the same in ``jitlab show`` and the app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jitlab.core.present import compile_report

ROOT = Path(__file__).resolve().parents[3]
H200 = ROOT / "benchmarks" / "results" / "h200-compile-modes" / "conv2d.json"


@pytest.fixture(scope="module")
def session() -> dict:
    return json.loads(H200.read_text(encoding="utf-8"))


def test_the_records_of_one_compile_id_make_one_compilation(session):
    graphs = session["variants"]["compile:reduce-overhead"]["graphs"]
    records = graphs["compile_metrics"]
    assert len(records) == 6 and {r["compile_id"] for r in records} == {"0/0"}  # the file as recorded
    (row,) = compile_report.compilations(graphs)
    assert row["function"] == "forward" and row["line"] == 49 and row["ops"] == 392 and row["records"] == 6
    assert row["fwd_s"] == pytest.approx(sum(r["seconds"] for r in records if r["phase"] == "fwd"))
    assert row["bwd_s"] == pytest.approx(sum(r["seconds"] for r in records if r["phase"] == "bwd"))
    # Forward and backward together are the first call's compile time (25.3 s), nothing counted twice.
    first_call_s = session["variants"]["compile:reduce-overhead"]["compile_time"]["first_call_ms"] / 1000.0
    assert row["total_s"] == pytest.approx(first_call_s, rel=0.01)
    line = compile_report.compilation_line(row)
    assert line.startswith("0/0 forward (") and ":49), 392 ops: forward 13.96 s, backward 11.29 s" in line
    assert "no frame recorded" not in line and "(backward graph)" not in line


def test_two_compile_ids_stay_apart_and_a_record_without_times_is_counted():
    graphs = {"compile_metrics": [
        {"compile_id": "0/0", "phase": "fwd", "function": "forward", "file": "m.py", "line": 3, "seconds": 1.0},
        {"compile_id": "0/1", "phase": "fwd", "function": "forward", "file": "m.py", "line": 3, "seconds": 0.5,
         "graph_op_count": 7},
        {"compile_id": "0/1", "phase": "bwd", "function": "(backward graph)", "seconds": None},
    ]}
    first, second = compile_report.compilations(graphs)
    assert (first["compile_id"], first["fwd_s"], first["bwd_s"]) == ("0/0", 1.0, None)
    assert (second["compile_id"], second["records"], second["ops"], second["bwd_s"]) == ("0/1", 2, 7, None)
    assert compile_report.compilation_line(second) == "0/1 forward (m.py:3), 7 ops: forward 0.50 s (2 record(s))"


def test_jitlab_show_lists_one_line_per_compilation(session):
    proc = subprocess.run([sys.executable, "-m", "jitlab", "show", str(H200), "--what", "compile",
                           "--variant", "compile:reduce-overhead"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    listed = proc.stdout.split("Dynamo compilations")[1].splitlines()[1:]
    row = compile_report.compilations(session["variants"]["compile:reduce-overhead"]["graphs"])[0]
    assert [line for line in listed if line.startswith("  0/")] == ["  " + compile_report.compilation_line(row)]
