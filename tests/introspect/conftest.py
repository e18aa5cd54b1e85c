"""Shared runs for the introspection tests.

Each fixture runs ``jitlab run`` once in real runner processes and is shared
by every test that reads its session, which keeps the folder to a few runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from introspect_helpers import DATA, GATED, run_jitlab


@pytest.fixture(scope="session")
def fused_run(tmp_path_factory) -> tuple[Path, dict]:
    """gated.py, script and trace, train mode, with diagnostic CPU fusion.

    NNC's interpreter takes about a second per pass over these tensors, so
    the run is as short as the profiling executor allows: two profiling
    passes and one optimized one before the single timed iteration.
    """
    out = tmp_path_factory.mktemp("fused") / "session.json"
    session = run_jitlab(out, GATED, "--variants", "script,trace", "--mode", "train", "--cpu-fusion",
                         "--iters", "1", "--warmup", "3")
    return out, session


@pytest.fixture(scope="session")
def plain_run(tmp_path_factory) -> tuple[Path, dict]:
    """gated.py, eager, script and trace, train mode, no CPU fusion, with Chrome traces."""
    folder = tmp_path_factory.mktemp("plain")
    out = folder / "session.json"
    session = run_jitlab(out, GATED, "--variants", "eager,script,trace", "--mode", "train",
                         "--iters", "5", "--warmup", "3", "--trace-out", str(folder / "traces"))
    return out, session


@pytest.fixture(scope="session")
def compile_run(tmp_path_factory) -> tuple[Path, dict]:
    """A linear layer plus pointwise tail, eager and compile, train mode."""
    out = tmp_path_factory.mktemp("compile") / "session.json"
    session = run_jitlab(out, DATA / "pointwise_mlp.py", "--variants", "eager,compile", "--mode", "train",
                         "--iters", "3", "--warmup", "2")
    return out, session


@pytest.fixture(scope="session")
def break_run(tmp_path_factory) -> tuple[Path, dict]:
    """A module that prints in its forward, compile only, inference mode."""
    out = tmp_path_factory.mktemp("break") / "session.json"
    session = run_jitlab(out, DATA / "graph_break.py", "--variants", "compile", "--mode", "infer",
                         "--iters", "3", "--warmup", "2")
    return out, session
