"""``jitlab show`` over sessions written by real runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import HAS_CXX, ROOT
from jitlab.cli.show import show_main

pytestmark = pytest.mark.slow


def show(capsys, *argv: str) -> tuple[int, str, str]:
    code = show_main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_is_the_session_report(capsys, fused_run):
    path, _ = fused_run
    code, out, _ = show(capsys, str(path))
    assert code == 0
    assert "variant" in out and "script" in out and "trace" in out and "speedup" in out
    code, out, _ = show(capsys, str(path), "--variant", "script")
    assert code == 0 and "fusion groups: " in out


def test_torchscript_views(capsys, fused_run):
    path, session = fused_run
    group = session["variants"]["script"]["graphs"]["fusion_groups"][0]
    code, out, _ = show(capsys, str(path), "--variant", "script", "--what", "graph")
    assert code == 0 and "aten::tanh" in out and "graph(" in out
    code, out, _ = show(capsys, str(path), "--variant", "script", "--what", "code")
    assert code == 0 and "def forward" in out
    code, out, _ = show(capsys, str(path), "--what", "optimized")
    assert code == 0 and "== script" in out and "== trace" in out
    assert "-- backward" in out and "prim::TensorExprGroup" in out
    code, out, _ = show(capsys, str(path), "--variant", "trace", "--what", "fusion")
    assert code == 0 and group["kernel_name"] in out and "NNC loop-nest IR" in out and "aten::sigmoid" in out
    code, out, _ = show(capsys, str(path), "--variant", "script", "--what", "kernels")
    assert code == 0 and group["kernel_name"] in out and "fused launches" in out


@pytest.mark.skipif(not HAS_CXX, reason="torch.compile on CPU needs a C++ compiler")
def test_compile_views(capsys, compile_run, break_run):
    path, session = compile_run
    code, out, _ = show(capsys, str(path), "--what", "code")
    assert code == 0 and "== compile" in out and "-- backward" in out and "cpp_fused_" in out
    code, out, _ = show(capsys, str(path), "--what", "graph")
    assert code == 0 and "Dynamo FX graph" in out and "class GraphModule" in out
    code, out, _ = show(capsys, str(path), "--what", "fusion")
    assert code == 0 and session["variants"]["compile"]["graphs"]["kernel_names"][0] in out
    code, out, _ = show(capsys, str(path), "--what", "kernels")
    assert code == 0 and "== eager" in out and "== compile" in out
    path, _ = break_run
    code, out, _ = show(capsys, str(path), "--what", "compile")
    assert code == 0 and "graph breaks: 1" in out and "graph_break.py:15" in out and "print" in out


def test_view_that_does_not_apply_exits_1(capsys, plain_run):
    path, _ = plain_run
    code, out, _ = show(capsys, str(path), "--variant", "eager", "--what", "graph")
    assert code == 1 and "eager: no graph recorded" in out
    code, out, _ = show(capsys, str(path), "--what", "compile")
    assert code == 1 and "no variant in this session" in out


def test_unknown_variant_exits_2(capsys, plain_run):
    path, _ = plain_run
    code, out, err = show(capsys, str(path), "--variant", "scirpt", "--what", "graph")
    assert code == 2 and out == ""
    assert "no variant 'scirpt'" in err and "eager, script, trace" in err


def test_bad_file_exits_2(capsys, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"schema": "jitlab.session/1", "env": {')
    code, _, err = show(capsys, str(bad))
    assert code == 2 and "broken.json" in err and "not a valid session file" in err
    code, _, err = show(capsys, str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read session file" in err


def test_show_never_imports_torch(plain_run):
    path, _ = plain_run
    probe = ("import sys\nfrom jitlab.cli import main\n"
             f"rc = main(['show', {str(path)!r}, '--what', 'kernels'])\n"
             "assert rc == 0, rc\nassert 'torch' not in sys.modules, 'show imported torch'\n")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
