"""Where runners run: the parent's choice of a shared core, the runner's pinning."""

import os

import pytest

from jitlab.core.settings import InputError, make_settings
from jitlab.host.placement import choose_core, place
from jitlab.runner import affinity

from tests.conftest import DATA

if not hasattr(os, "sched_getaffinity"):
    pytest.skip("CPU pinning is Linux-only", allow_module_level=True)

ALLOWED = sorted(os.sched_getaffinity(0))


def test_pin_setting_accepts_auto_none_and_core_lists():
    assert make_settings()["pin_cpus"] == "auto"
    assert make_settings(pin_cpus="NONE")["pin_cpus"] == "none"
    assert make_settings(pin_cpus="off")["pin_cpus"] == "none"
    assert make_settings(pin_cpus="0-1,3")["pin_cpus"] == "0-1,3"
    for bad in ("fast", "1,,x", "a-b", "-1", "3-1"):
        with pytest.raises(InputError, match="--pin-cpus"):
            make_settings(pin_cpus=bad)


def test_the_parent_picks_one_allowed_core_for_gpu_runs_only():
    core = choose_core(0.05)
    assert core in ALLOWED
    if len(ALLOWED) > 1:
        assert core != 0
    assert place(make_settings(device="cuda"))["pin_core"] in ALLOWED
    assert place(make_settings(device="auto"))["pin_core"] in ALLOWED
    assert place(make_settings(device="cpu"))["pin_core"] is None
    assert place(make_settings(device="cuda", pin_cpus="none"))["pin_core"] is None


def test_auto_pins_gpu_runners_to_the_chosen_core_and_leaves_cpu_runners_alone():
    assert affinity.choose("auto", "cpu", ALLOWED[0]) is None
    assert affinity.choose("none", "cuda", ALLOWED[0]) is None
    assert affinity.choose("auto", "cuda", ALLOWED[0]) == [ALLOWED[0]]
    assert affinity.choose("auto", "cuda", None) == [ALLOWED[-1]]
    assert affinity.choose("auto", "cuda", 4096) == [ALLOWED[-1]]  # a core this process may not use
    assert affinity.choose(f"{ALLOWED[0]}-{ALLOWED[-1]}", "cpu") == ALLOWED
    with pytest.raises(affinity.AffinityError, match="not available"):
        affinity.choose("4096", "cpu")


def test_a_default_cpu_run_is_not_pinned(jitlab_run):
    r = jitlab_run(DATA / "linear.py", "--device", "cpu", iters=3)
    assert r.rc == 0, r.err
    assert r.session["settings"]["pin_cpus"] == "auto"
    assert "cpu_affinity" not in r.session["env"]
    cores = {s["cpu_core"] for s in r.session["samples"]}
    assert cores <= set(ALLOWED) and cores  # every block records the core it ended on


def test_a_bad_core_list_is_refused_before_anything_runs(jitlab_run):
    r = jitlab_run(DATA / "linear.py", "--pin-cpus", "two", iters=3)
    assert r.rc == 2
    assert "--pin-cpus 'two'" in r.err and "core list" in r.err


@pytest.mark.skipif(len(ALLOWED) < 2, reason="needs two cores to tell pinned from unpinned")
def test_the_first_call_runs_on_every_core_and_the_timed_ones_on_the_pinned_core(jitlab_run, tmp_path):
    log = tmp_path / "cores.txt"
    env = {**os.environ, "AFFINITY_LOG": str(log)}
    r = jitlab_run(DATA / "affinity_probe.py", "--variants", "eager", "--pin-cpus", str(ALLOWED[-1]),
                   "--device", "cpu", "--no-introspect", env=env, iters=4)
    assert r.rc == 0, r.err
    cores = [int(x) for x in log.read_text().split()]
    assert cores[0] == len(ALLOWED)  # torch.compile compiles here: with all its cores
    assert set(cores[1:]) == {1}


@pytest.mark.skipif(len(ALLOWED) < 2 or not os.path.isdir("/proc/self/task"), reason="needs two cores and /proc")
def test_a_core_list_on_a_cpu_run_moves_every_thread(tmp_path):
    import subprocess
    import sys

    code = (
        "import os, threading, time\n"
        "from jitlab.runner import affinity\n"
        "stop = threading.Event()\n"
        "t = threading.Thread(target=stop.wait); t.start()\n"
        f"affinity.pin([{ALLOWED[-1]}], all_threads=True)\n"
        "print(sorted({len(os.sched_getaffinity(int(x))) for x in os.listdir('/proc/self/task')}))\n"
        "stop.set(); t.join()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[1]", out.stderr
