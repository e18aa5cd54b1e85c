"""The command line: run without Qt, devices, version and help, examples."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.conftest import DATA, EXAMPLES, ROOT, run_jitlab


def test_run_works_without_qt_and_parent_never_imports_torch(tmp_path):
    # A PySide6/pyqtgraph that cannot be imported, as on a GPU server without Qt.
    blocker = tmp_path / "block"
    for name in ("PySide6", "pyqtgraph"):
        (blocker / name).mkdir(parents=True)
        (blocker / name / "__init__.py").write_text(f"raise ImportError('{name} is not installed here')\n")
    out = tmp_path / "s.json"
    code = textwrap.dedent(f"""
        import sys
        from jitlab.cli import main
        rc = main(["run", {str(DATA / 'linear.py')!r}, "--iters", "4", "-q", "--out", {str(out)!r}])
        print("RC", rc, "torch" in sys.modules, "PySide6" in sys.modules)
    """)
    env = {"PYTHONPATH": f"{blocker}:{ROOT}"}
    import os

    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env}, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "RC 0 False False" in proc.stdout
    assert out.exists()


def test_devices_lists_cpu():
    r = run_jitlab("devices")
    assert r.rc == 0, r.err
    assert r.out.splitlines()[0].split()[:2] == ["id", "kind"]
    assert any(line.startswith("cpu ") for line in r.out.splitlines())


def test_version_and_help():
    import jitlab

    assert run_jitlab("--version").out.strip() == f"jitlab {jitlab.__version__}"
    h = run_jitlab("--help").out
    for sub in ("jitlab run", "jitlab show", "jitlab devices"):
        assert sub in h
    assert "--precision" in run_jitlab("run", "--help").out


@pytest.mark.parametrize("example", ["conv2d", "lstm", "gated"])
def test_bundled_examples_run_on_cpu(jitlab_run, example):
    r = jitlab_run(EXAMPLES / f"{example}.py", iters=5)
    assert r.rc == 0, r.err
    for name, v in r.session["variants"].items():
        assert v["status"] == "ok", (name, v["error"])
        assert 0 < v["stats"]["total"]["median"] < 1000
        if name != "eager":
            assert v["check"]["ok"], v["check"]
    assert "speedup vs eager" in r.out


def test_default_file_is_the_conv2d_example(jitlab_run):
    r = jitlab_run(None, "--variants", "eager", iters=3)
    assert r.rc == 0, r.err
    assert r.session["settings"]["file"].endswith("conv2d.py")


def test_library_floor_targets(jitlab_run):
    r = jitlab_run(EXAMPLES / "lstm.py", "--target", "cudnn", "--variants", "eager,script", iters=3)
    assert r.rc == 0, r.err
    assert r.session["settings"]["target"] == "cudnn"


def test_dict_and_list_outputs(jitlab_run):
    r = jitlab_run(DATA / "dict_output.py")
    assert r.rc == 0, r.err
    for v in r.session["variants"].values():
        assert v["status"] == "ok"
        assert v["stats"]["bwd"]["n"] == 6


def test_script_module_class_makes_eager_not_applicable(jitlab_run):
    r = jitlab_run(DATA / "script_module_class.py")
    assert r.rc == 0, r.err
    v = r.session["variants"]
    assert v["eager"]["status"] == "not_applicable"
    assert v["script"]["status"] == "ok" and v["trace"]["status"] == "ok"


def test_module_without_parameters_gets_input_gradients(jitlab_run):
    r = jitlab_run(DATA / "no_params.py", "--variants", "eager")
    v = r.session["variants"]["eager"]
    assert v["stats"]["bwd"]["n"] == 6
    assert any("no trainable parameters" in n for n in v["notes"])


def test_import_contracts_hold():
    proc = subprocess.run(["lint-imports"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_thousands_of_iterations_stream_completely(jitlab_run):
    r = jitlab_run(DATA / "trivial.py", "--variants", "eager,trace", "--mode", "infer", "--no-introspect", iters=20000)
    assert r.rc == 0, r.err
    for v in r.session["variants"].values():
        measured = [it for it in v["iterations"] if not it["warmup"]]
        assert len(measured) == 20000
        assert [it["i"] for it in v["iterations"]] == list(range(len(v["iterations"])))


def test_pin_cpus_puts_every_runner_on_the_same_core(jitlab_run):
    import os

    last = max(os.sched_getaffinity(0))
    r = jitlab_run(DATA / "linear.py", "--pin-cpus", str(last), iters=3)
    assert r.rc == 0, r.err
    assert r.session["env"]["cpu_affinity"] == [last]
    assert r.session["env"]["threads"] == 1
    assert {s["cpu_core"] for s in r.session["samples"]} == {last}
    assert f"runners on CPU core {last};" in r.out
    bad = jitlab_run(DATA / "linear.py", "--pin-cpus", "4096", iters=3)
    assert bad.rc == 2 and "4096" in bad.err and "not available" in bad.err
