"""The runners' CPU and memory: a real process tree, sampled as the app samples its runners."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil
import pytest

from jitlab.gui.process.resources_monitor import PHASE_MS, ResourceMonitor, descendants

#: A process with a child, which has a child of its own: a runner whose module started a worker that
#: started another.
TREE = ("import subprocess, sys, time\n"
        "inner = 'import subprocess, time; subprocess.Popen([\"sleep\", \"30\"]); time.sleep(30)'\n"
        "subprocess.Popen([sys.executable, '-c', inner])\n"
        "print('up', flush=True)\n"
        "time.sleep(30)\n")


@pytest.fixture
def tree():
    root = subprocess.Popen([sys.executable, "-c", TREE], stdout=subprocess.PIPE, text=True)
    assert root.stdout.readline().strip() == "up"
    proc = psutil.Process(root.pid)
    deadline = time.monotonic() + 10
    while len(proc.children(recursive=True)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    yield root
    for child in proc.children(recursive=True):
        child.kill()
    root.kill()
    root.wait()


def test_descendants_are_the_whole_tree_below_a_runner(tree):
    expected = {c.pid for c in psutil.Process(tree.pid).children(recursive=True)}
    assert len(expected) == 2
    assert set(descendants(tree.pid)) == expected
    assert tree.pid not in descendants(tree.pid)


def test_a_gone_process_has_no_descendants():
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    assert done.wait() == 0
    assert descendants(done.pid) == []


def test_a_sample_counts_every_process_of_a_runner_and_their_memory(qtbot, tree):
    monitor = ResourceMonitor(lambda: {"eager": tree.pid})
    sample = monitor.sample()["eager"]
    assert sample["processes"] == 3
    own = psutil.Process(tree.pid).memory_info().rss
    assert sample["rss_bytes"] > own  # the children's memory counted too
    assert sample["cpu_percent"] >= 0.0


def test_the_first_sample_comes_half_a_period_after_the_start(qtbot, tree):
    monitor = ResourceMonitor(lambda: {"eager": tree.pid})
    started = time.monotonic()
    with qtbot.waitSignal(monitor.sig_sampled, timeout=5000) as blocker:
        monitor.start()
    waited = (time.monotonic() - started) * 1000
    monitor.stop()
    assert waited >= PHASE_MS * 0.9  # out of step with the live statistics, which start with the run
    assert blocker.args[0]["eager"]["processes"] == 3
