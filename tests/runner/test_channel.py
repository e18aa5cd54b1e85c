"""The runner's channel writes every byte of a message, even when signals interrupt a blocked write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from tests.conftest import ROOT

CHILD = textwrap.dedent("""
    import signal, sys
    from jitlab.runner.channel import Channel

    channel = Channel()
    # A signal every millisecond, as a SIGTERM stop arrives while a block's messages are written: a
    # write blocked on a full pipe returns after the bytes that fitted when the handler runs.
    signal.signal(signal.SIGALRM, lambda *_: None)
    signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
    for k in range(4):
        channel.send({"t": "status", "phase": "big", "text": str(k) * 1_500_000})
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
""")


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="needs interval timers")
def test_interrupted_writes_still_send_whole_lines():
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    chunks = []
    while True:  # a slow reader keeps the pipe full, so the child's writes block and get interrupted
        data = proc.stdout.read1(16384)
        if not data:
            break
        chunks.append(data)
        time.sleep(0.0005)
    assert proc.wait(timeout=60) == 0, proc.stderr.read().decode()[-2000:]
    lines = b"".join(chunks).splitlines()
    assert [json.loads(line)["text"] for line in lines] == [str(k) * 1_500_000 for k in range(4)]
