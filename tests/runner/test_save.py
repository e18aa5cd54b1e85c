"""``jitlab run --save DIR``: files that load back and give the module's outputs, and failures in one line."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from tests.conftest import DATA, ROOT, run_jitlab

#: torch.jit.load warns that TorchScript is deprecated; loading the files back is the point here.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")

POINTWISE = ROOT / "tests" / "runner" / "introspect" / "test_kernel_lines.py"


def _module_of(path):
    """The target of ``path`` built as the runner builds it (seed 0), in eval mode."""
    spec = importlib.util.spec_from_file_location(f"_saved_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    torch.manual_seed(0)
    module, x = mod.target()
    return module.eval(), x


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("save")
    r = run_jitlab("run", str(POINTWISE), "--variants", "eager", "--device", "cpu", "--iters", "3",
                   "--no-device-time", "-q", "--out", str(root / "s.json"), "--save", str(root / "out"))
    return r, root / "out"


def test_save_writes_files_that_load_back_and_give_the_same_outputs(saved):
    r, folder = saved
    assert r.rc == 0, r.out + r.err
    stem = POINTWISE.stem
    files = {p.name for p in folder.iterdir()}
    assert {f"{stem}.script.pt", f"{stem}.trace.pt", f"{stem}.pt2", f"{stem}.example.pt"} <= files
    module, x = _module_of(POINTWISE)
    fresh = torch.randn_like(x)  # not the example the trace and the export saw
    loaded = {
        "script": torch.jit.load(str(folder / f"{stem}.script.pt")),
        "trace": torch.jit.load(str(folder / f"{stem}.trace.pt")),
        "export": torch.export.load(str(folder / f"{stem}.pt2")).module(),
    }
    with torch.no_grad():
        for kind, fn in loaded.items():
            for inp in (x, fresh):
                torch.testing.assert_close(fn(inp), module(inp), msg=kind)
    example = torch.load(folder / f"{stem}.example.pt")
    torch.testing.assert_close(loaded["export"](*example["inputs"]), example["outputs"])
    for kind in ("script", "trace", "export"):
        assert any(line.strip().startswith(kind) and "loads back, same outputs" in line for line in r.out.splitlines())


def test_export_of_data_dependent_control_flow_fails_in_one_line_naming_the_line(tmp_path):
    source = DATA / "data_dependent_branch.py"
    r = run_jitlab("run", str(source), "--variants", "eager", "--device", "cpu", "--iters", "3",
                   "--no-device-time", "-q", "--out", str(tmp_path / "s.json"), "--save", str(tmp_path / "out"))
    assert r.rc == 1  # a kind that could not be saved fails the command, as a failed variant does
    line = next(ln for ln in r.out.splitlines() if ln.strip().startswith("export"))
    branch = next(i for i, text in enumerate(source.read_text().splitlines(), 1) if "if x.mean() > 2" in text)
    assert f"data_dependent_branch.py:{branch}" in line and "data-dependent control flow" in line
    assert "if x.mean() > 2:" in line
    assert not (tmp_path / "out" / "data_dependent_branch.pt2").exists()
    # Script keeps the branch; the trace froze it, but both files were written and load back.
    assert (tmp_path / "out" / "data_dependent_branch.script.pt").is_file()
    assert torch.jit.load(str(tmp_path / "out" / "data_dependent_branch.trace.pt")) is not None


def test_unscriptable_module_still_gets_its_trace_and_export(tmp_path):
    from jitlab.core.saving import report_text
    from jitlab.host.saving import save_module

    report = save_module({"file": str(DATA / "unscriptable.py"), "device": "cpu"}, tmp_path)
    by_kind = {r["kind"]: r for r in report.results}
    assert not by_kind["script"]["ok"] and "unscriptable.py:" in by_kind["script"]["error"]
    assert "\n" not in by_kind["script"]["error"].strip()
    assert by_kind["trace"]["ok"] and by_kind["export"]["ok"]
    assert "script  FAILED: torch.jit.script failed at unscriptable.py:" in report_text(report)


def test_a_file_that_does_not_load_saves_nothing_and_says_why(tmp_path):
    from jitlab.core.saving import report_text
    from jitlab.host.saving import save_module

    report = save_module({"file": str(DATA / "import_error.py"), "device": "cpu"}, tmp_path / "out")
    assert not report.ok and not report.results and report.error
    assert report_text(report).startswith(f"nothing saved to {tmp_path / 'out'}")


def test_save_into_a_file_is_refused_before_measuring(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    r = run_jitlab("run", str(DATA / "linear.py"), "--variants", "eager", "-q", "--out", str(tmp_path / "s.json"),
                   "--save", str(blocker / "sub"))
    assert r.rc == 2 and "--save" in r.err and "not a folder" in r.err
    assert not (tmp_path / "s.json").exists()


def test_a_saved_file_that_gives_other_outputs_is_a_failure(tmp_path):
    from jitlab.host.saving import save_module

    # Counter scales by a call count kept in a Python attribute: each saved form replays it differently.
    report = save_module({"file": str(DATA / "stateful_counter.py"), "device": "cpu"}, tmp_path)
    assert not report.ok
    for r in report.results:
        assert not r["ok"] and r["file"], r
        assert "was written, but loaded back it gives different outputs" in r["error"]
        assert "max abs difference" in r["error"]


def test_a_forged_saved_message_does_not_break_the_report():
    from jitlab.core import protocol as P
    from jitlab.core.saving import read_answer, report_text

    forged = P.encode({"t": P.SAVED, "folder": "out", "example": 3,
                       "results": [{"kind": {"x": 1}, "ok": "yes", "file": 5, "check": {"max_abs_err": "big"}}, 7]})
    report = read_answer("out", forged + b"not a message\n")
    assert [r["kind"] for r in report.results] == ["?"] and not report.ok
    assert "FAILED" in report_text(report)
