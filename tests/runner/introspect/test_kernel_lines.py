"""Kernels traced back to the lines of this very file, and the per-line table.

The module profiled is :class:`Pointwise` below: jitlab runs this file as a
module file (its ``target``), so the lines every kernel must map to are lines
of this test, found from the source of ``Pointwise.forward``.

On the CPU the kernels are Inductor's C++ and NNC's interpreter; on a GPU
(Triton kernels, NNC's CUDA kernels, library kernels found through their ATen
op) run::

    JITLAB_TEST_DEVICE=cuda python -m pytest tests/runner/introspect/test_kernel_lines.py
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import pytest
import torch

from tests.conftest import ROOT, run_jitlab

HERE = Path(__file__).resolve()
DEVICE = os.environ.get("JITLAB_TEST_DEVICE", "cpu")
#: Kernels Inductor generates: C++ on a CPU, Triton on a GPU.
GENERATED = ("cpp_fused_", "triton_")


class Pointwise(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(64))

    def forward(self, x):
        y = torch.sin(x) * self.w  # line A: one fused group in script
        z = y.sum(dim=1, keepdim=True)  # line B: a reduction, outside NNC's groups
        return torch.relu(y - z) + 1.0  # line C: the second group


def target():
    return Pointwise(), torch.randn(32, 64)


def forward_lines() -> dict[str, int]:
    """``{"A": n, "B": n, "C": n}``: where the three statements of ``forward`` are in this file."""
    source, first = inspect.getsourcelines(Pointwise.forward)
    return {line.split("# line ")[1][0]: first + i for i, line in enumerate(source) if "# line " in line}


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    out = tmp_path_factory.mktemp("lines") / "s.json"
    # --cpu-fusion: NNC's interpreter forms the script groups on a CPU build without LLVM.
    r = run_jitlab("run", str(HERE), "--variants", "eager,script,trace,compile", "--cpu-fusion", "--iters", "3",
                   "--device", DEVICE, "--threads", "1", "--no-device-time", "-q", "--out", str(out))
    assert r.session is not None, r.err
    for name, v in r.session["variants"].items():
        assert v["status"] == "ok", (name, v.get("error"))
    return r.session, out


def _lines_of(row: dict) -> set[int]:
    assert all(Path(o["file"]).resolve() == HERE for o in row["origins"]), row["origins"]
    return {o["line"] for o in row["origins"]}


def test_every_inductor_kernel_maps_to_the_lines_of_its_ops(session):
    s, _ = session
    lines = forward_lines()
    rows = s["variants"]["compile"]["kernels"]["items"]
    generated = [r for r in rows if r["name"].startswith(GENERATED)]
    assert {r["phase"] for r in generated} == {"fwd", "bwd"}
    for row in generated:
        assert row.get("origins"), row["name"]
        assert _lines_of(row) <= set(lines.values()), row["name"]
        assert sum(o["share"] for o in row["origins"]) == pytest.approx(1.0)
        assert len({o["share"] for o in row["origins"]}) == 1  # split evenly
    for phase in ("fwd", "bwd"):
        # Every op of the module is pointwise or a small reduction: together the kernels of each phase
        # cover the three lines (on a CPU one kernel per phase holds all three), the backward kernels
        # serving the forward lines they differentiate.
        covered = set().union(*(_lines_of(r) for r in generated if r["phase"] == phase))
        assert covered == set(lines.values()), phase
    if DEVICE == "cpu":
        assert all(_lines_of(r) == set(lines.values()) for r in generated)
    about = s["variants"]["compile"]["kernels"]["lines"]
    assert "provenance" in about["source"] and "evenly" in about["split"]


def _row_of_op(rows: list[dict], phase: str, op: str) -> dict:
    """The row of an ATen op: named after it on a CPU, launched by it on a GPU."""
    return next(r for r in rows if r["phase"] == phase and (r["name"] == op or op in (r.get("launched_by") or [])))


@pytest.mark.parametrize("variant", ["script", "trace"])
def test_torchscript_fusion_groups_map_to_their_own_lines(session, variant):
    s, _ = session
    lines = forward_lines()
    groups = {g["kernel_name"]: g for g in s["variants"][variant]["graphs"]["fusion_groups"]}
    fwd = {name: g for name, g in groups.items() if g["phase"] == "fwd"}
    assert {frozenset(o["line"] for o in g["origins"]) for g in fwd.values()} == {
        frozenset({lines["A"]}), frozenset({lines["C"]})}
    rows = s["variants"][variant]["kernels"]["items"]
    summed = _row_of_op(rows, "fwd", "aten::sum")
    assert _lines_of(summed) == {lines["B"]}
    if DEVICE == "cpu":
        # The row also holds the sum jitlab's loss takes of the output: the graph made one of its two calls.
        assert summed["count"] == 2 and summed["origins"][0]["share"] == pytest.approx(0.5)
    # The backward group differentiates the ops of line C; its nodes come from TorchScript's gradient
    # formulas, so it is charged to the lines of the forward graph it belongs to.
    bwd = [g for g in groups.values() if g["phase"] == "bwd"]
    assert bwd and all(g["origins"] and {o["line"] for o in g["origins"]} <= {lines["A"], lines["C"]} for g in bwd)
    if DEVICE == "cpu":  # NNC's interpreter fuses only the backward of line C
        assert all({o["line"] for o in g["origins"]} == {lines["C"]} for g in bwd)


def test_line_table_sums_the_kernels_and_names_what_is_not_traced(session):
    from jitlab.core.present import lines as L

    s, _ = session
    table = L.line_table(s, "compile")
    mine = table.for_file(str(HERE))
    assert set(mine) == set(forward_lines().values())
    traced = sum(r["device_time_us"] for r in s["variants"]["compile"]["kernels"]["items"] if r.get("origins"))
    assert sum(c.total_us for c in table.rows) == pytest.approx(traced)
    assert table.unmapped_us == pytest.approx(table.total_us - traced)
    assert L.line_table(s, "eager") is None  # eager has no graph to trace its ops back


def test_show_lines_prints_the_table_with_the_source(session):
    _, path = session
    lines = forward_lines()
    r = run_jitlab("show", str(path), "--what", "lines")
    assert r.rc == 0, r.err
    for name in ("script", "trace", "compile"):
        assert f"== {name}: time per source line" in r.out
    row = next(line for line in r.out.splitlines() if line.strip().startswith(f"{lines['A']} "))
    assert "y = torch.sin(x) * self.w" in row
    assert "split evenly" in r.out
    r = run_jitlab("show", str(path), "--what", "kernels", "--variant", "compile")
    assert r.out.splitlines()[2].split()[-1] == "lines"
    fused = [line for line in r.out.splitlines() if line.split()[1:2] and line.split()[1].startswith(GENERATED)]
    assert fused
    if DEVICE == "cpu":  # one kernel per phase holds all three lines
        assert all(line.endswith(", ".join(str(n) for n in sorted(lines.values()))) for line in fused)
    r = run_jitlab("show", str(path), "--what", "lines", "--variant", "eager")
    assert r.rc == 1 and "no source lines" in r.out


def test_show_lines_of_a_session_recorded_elsewhere_keeps_the_numbers(session, tmp_path):
    _, path = session
    moved = tmp_path / "moved.json"
    moved.write_text(path.read_text().replace(str(HERE), "/elsewhere/test_kernel_lines.py"))
    r = run_jitlab("show", str(moved), "--what", "lines", "--variant", "compile")
    assert r.rc == 0, r.err
    rows = [line.split() for line in r.out.splitlines()[2:5]]
    assert [int(row[0]) for row in rows] == sorted(forward_lines().values())
    assert "torch.sin" not in r.out  # the file is not there to quote


def test_compile_without_provenance_is_detected(tmp_path):
    """Inductor code compiled without provenance tracking (an old cache entry, a torch without it)
    has no kernel map: the runner's reader finds none and counts the graphs that lack it."""
    import subprocess
    import sys

    code = (
        "import torch\n"
        "import torch._inductor.config as c\n"
        "c.trace.provenance_tracking_level = 0\n"
        "c.force_disable_caches = True\n"
        "f = torch.compile(lambda x: torch.sin(x) * 2)\n"
        "f(torch.randn(8))\n"
        "from jitlab.runner.introspect import provenance\n"
        "stacks, missing = provenance.inductor_stacks()\n"
        "print('RESULT', len(stacks), missing)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert "RESULT 0 1" in proc.stdout, proc.stderr[-2000:]


def test_kernels_from_inductors_cache_follow_lines_that_moved(tmp_path):
    """A cached graph keeps the stack traces of the compile that filled the cache: after an edit
    that moves the lines, each is found again by its text."""
    source = inspect.getsource(Pointwise) + "\n\n" + inspect.getsource(target)
    module = tmp_path / "layer.py"
    env = {"TORCHINDUCTOR_CACHE_DIR": str(tmp_path / "cache")}  # cold for the first run, warm for the second
    sessions = []
    for shift in (0, 4):
        module.write_text("import torch\n" + "\n" * shift + "\n\n" + source)
        out = tmp_path / f"s{shift}.json"
        r = run_jitlab("run", str(module), "--variants", "compile", "--iters", "2", "--device", DEVICE,
                       "--no-device-time", "--compile-cache", "warm", "-q", "--out", str(out), env=env)
        assert r.session is not None and r.session["variants"]["compile"]["status"] == "ok", r.err
        sessions.append(r.session)
    text = module.read_text().splitlines()
    want = {i + 1 for i, line in enumerate(text) if "# line " in line}
    rows = [r for r in sessions[1]["variants"]["compile"]["kernels"]["items"] if r["name"].startswith(GENERATED)]
    assert rows and set().union(*({o["line"] for o in r["origins"]} for r in rows)) == want
    assert any("from its cache" in n for n in sessions[1]["variants"]["compile"]["notes"])
