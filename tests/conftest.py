"""What the tests of every room share: the data folders, the real ``jitlab`` command in a
subprocess, and the real runs that several rooms read (each made once per test session).

The module files profiled by the tests are in ``data/``, the recorded sessions in
``data/sessions/`` (see its ``README.md``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# Qt views are tested offscreen: no display is needed (or used) by the suite.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
#: Module files the tests profile.
DATA = Path(__file__).resolve().parent / "data"
#: Sessions recorded with the real ``jitlab run`` (``data/sessions/README.md`` says how).
RECORDED = DATA / "sessions"
EXAMPLES = ROOT / "resources" / "examples"
GATED = EXAMPLES / "gated.py"
#: Where the committed sessions were recorded; their source comments point there.
RECORDED_ROOT = "/work/main"
#: The four compile modes, as variant names.
MODES = ("compile", "compile:reduce-overhead", "compile:max-autotune", "compile:max-autotune-no-cudagraphs")
#: Inductor compiles its CPU kernels with the system's C++ compiler.
HAS_CXX = any(shutil.which(c) for c in (os.environ.get("CXX", ""), "g++", "c++", "clang++") if c)
needs_cxx = pytest.mark.skipif(not HAS_CXX, reason="Inductor needs a C++ compiler on CPU")


@dataclass
class Result:
    rc: int
    out: str
    err: str
    session: dict | None


def _jitlab_process(args, env: dict | None = None, timeout: float = 300,
                    cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python -m jitlab ARGS`` from this source tree (``env``: variables to add)."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "jitlab", *map(str, args)], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=cwd or ROOT)


def run_jitlab(*args: str, env: dict | None = None, timeout: float = 300, cwd: Path | None = None) -> Result:
    """Run ``python -m jitlab ...`` from the source tree and read the session it wrote (if ``--out``)."""
    proc = _jitlab_process(args, env=env, timeout=timeout, cwd=cwd)
    session = None
    if "--out" in args:
        out = Path(args[args.index("--out") + 1])
        if out.is_file():
            session = json.loads(out.read_text())
    return Result(proc.returncode, proc.stdout, proc.stderr, session)


@pytest.fixture
def jitlab_run(tmp_path):
    """Run ``jitlab run`` with a session file in ``tmp_path``; quick defaults."""

    def _run(file: str | Path | None, *args: str, env: dict | None = None, iters: int = 6) -> Result:
        out = tmp_path / "session.json"
        argv = ["run"] + ([str(file)] if file is not None else [])
        argv += ["--iters", str(iters), "-q", "--out", str(out), *args]
        return run_jitlab(*argv, env=env)

    return _run


@pytest.fixture
def fake_runner(tmp_path):
    """``fake_runner(*options)``: a runner interpreter that runs ``tests/host/fake_runner.py`` with ``options``.

    Pass it where jitlab takes the runners' Python (``python=``, ``--python``): every runner it starts
    is then a real process that speaks the protocol, quickly and without torch.
    """
    if os.name != "posix":
        pytest.skip("the fake runner is started through a shell script")
    from tests.host.fake_runner import interpreter

    made: list[str] = []

    def make(*options: str) -> str:
        made.append(interpreter(tmp_path / f"fake-python-{len(made)}", *options))
        return made[-1]

    return make


def mark_gui(items, folder: Path) -> None:
    """Mark every test collected from ``folder`` or below it as needing Qt (``-m "not gui"`` leaves them out)."""
    for item in items:
        if folder in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.gui)


def jitlab(*args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m jitlab ARGS`` in this checkout (``env``: variables to add)."""
    proc = _jitlab_process(args, env=env, timeout=600)
    if check:
        assert proc.returncode == 0, f"jitlab {args[0]} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


def run_session(out: Path, file: Path, *args: str) -> dict:
    """Run ``jitlab run FILE ARGS --out OUT`` in real runner processes and return the loaded session."""
    from jitlab.core.session import store as S

    proc = _jitlab_process(["run", file, "--out", out, "-q", "--timeout", "300", *args], timeout=600)
    assert proc.returncode == 0, f"jitlab run failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return S.load(out)


# ---- recorded sessions


def _rebase(obj, old: str, new: str):
    """``obj`` with every string's ``old`` root replaced by ``new`` (so source links resolve here)."""
    if isinstance(obj, str):
        return obj.replace(old, new)
    if isinstance(obj, list):
        return [_rebase(x, old, new) for x in obj]
    if isinstance(obj, dict):
        return {k: _rebase(v, old, new) for k, v in obj.items()}
    return obj


def load_data(name: str) -> dict:
    """A committed session, its recorded paths moved to this checkout."""
    from jitlab.core.session.store import load

    session = load(RECORDED / name)
    return session if str(ROOT) == RECORDED_ROOT else _rebase(session, RECORDED_ROOT, str(ROOT))


@pytest.fixture
def cpu_session() -> dict:
    """gated.py: eager, script, trace, compile on CPU with --cpu-fusion (NNC groups, NNC IR)."""
    return load_data("gated_cpu.json")


@pytest.fixture
def h100_session() -> dict:
    """gated.py on an H100: CUDA kernels, NNC's CUDA source, Triton kernels."""
    return load_data("gated_h100.json")


@pytest.fixture
def run_pair() -> tuple[dict, dict]:
    """Two CPU runs of one file, before and after an edit of its last line."""
    return load_data("gated_run1_cpu.json"), load_data("gated_run2_cpu.json")


# ---- real runs shared by several test modules (each runs once)


@pytest.fixture(scope="session")
def break_session(tmp_path_factory) -> dict:
    """A real run (eager and compile, train mode) of a module that prints in its forward."""
    out = tmp_path_factory.mktemp("break") / "session.json"
    result = run_jitlab("run", str(DATA / "graph_break.py"), "--variants", "eager,compile", "--iters", "3",
                        "--warmup", "2", "-q", "--out", str(out), timeout=300)
    assert result.rc == 0, result.err[-3000:]
    return result.session


@pytest.fixture(scope="session")
def fused_run(tmp_path_factory) -> tuple[Path, dict]:
    """gated.py, script and trace, train mode, with diagnostic CPU fusion.

    NNC's interpreter takes about a second per pass over these tensors, so
    the run is as short as the profiling executor allows: two profiling
    passes and one optimized one before the single timed iteration.
    """
    out = tmp_path_factory.mktemp("fused") / "session.json"
    session = run_session(out, GATED, "--variants", "script,trace", "--mode", "train", "--cpu-fusion",
                          "--iters", "1", "--warmup", "3")
    return out, session


@pytest.fixture(scope="session")
def plain_run(tmp_path_factory) -> tuple[Path, dict]:
    """gated.py, eager, script and trace, train mode, no CPU fusion, with Chrome traces."""
    folder = tmp_path_factory.mktemp("plain")
    out = folder / "session.json"
    session = run_session(out, GATED, "--variants", "eager,script,trace", "--mode", "train",
                          "--iters", "5", "--warmup", "3", "--trace-out", str(folder / "traces"))
    return out, session


@pytest.fixture(scope="session")
def compile_run(tmp_path_factory) -> tuple[Path, dict]:
    """A linear layer plus pointwise tail, eager and compile, train mode."""
    out = tmp_path_factory.mktemp("compile") / "session.json"
    session = run_session(out, DATA / "pointwise_mlp.py", "--variants", "eager,compile", "--mode", "train",
                          "--iters", "3", "--warmup", "2")
    return out, session


@pytest.fixture(scope="session")
def break_run(tmp_path_factory) -> tuple[Path, dict]:
    """A module that prints in its forward, compile only, inference mode."""
    out = tmp_path_factory.mktemp("break") / "session.json"
    session = run_session(out, DATA / "graph_break.py", "--variants", "compile", "--mode", "infer",
                          "--iters", "3", "--warmup", "2")
    return out, session


@pytest.fixture(scope="session")
def modes_run(tmp_path_factory) -> tuple[Path, dict, str]:
    """eager and the four compile modes of the pointwise layer, inference mode (one graph each), with
    introspection (which traces the module again: none of it may count as the run's compilations).
    Each mode compiles cold on the CPU (seconds per graph)."""
    from jitlab.core.session import store as S

    if not HAS_CXX:
        pytest.skip("Inductor needs a C++ compiler on CPU")
    out = tmp_path_factory.mktemp("modes") / "session.json"
    proc = jitlab("run", str(DATA / "pointwise.py"), "--variants", ",".join(("eager", *MODES)), "--mode", "infer",
                  "--iters", "3", "--warmup", "2", "--no-device-time", "--out", str(out),
                  "-q", "--timeout", "300", "--device", "cpu")
    return out, S.load(out), proc.stdout


@pytest.fixture(scope="session")
def recompile_run(tmp_path_factory) -> tuple[Path, dict]:
    """compile of a layer whose guarded attribute changes at iteration 40, train mode."""
    from jitlab.core.session import store as S

    if not HAS_CXX:
        pytest.skip("Inductor needs a C++ compiler on CPU")
    out = tmp_path_factory.mktemp("recompile") / "session.json"
    # sequential: one unbroken stretch of measured iterations (interleaved rounds re-warm each block)
    jitlab("run", str(DATA / "scale_changes.py"), "--variants", "compile", "--mode", "train", "--iters", "60",
           "--warmup", "2", "--schedule", "sequential", "--no-device-time", "--no-introspect", "--out", str(out), "-q", "--timeout", "300",
           "--device", "cpu")
    return out, S.load(out)
