"""A module whose forward sleeps; the sleep is 8 ms eagerly and 4 ms when
scripted (a true 2x speedup), and every process sleeps longer as wall-clock
time passes since the first forward call of any process (a machine-wide
slowdown, shared through a stamp file named by $SLOWDOWN_STAMP; its ramp
length in seconds is $SLOWDOWN_RAMP, 0 for none). $SLOWDOWN_JITTER (0 for
none) stretches each sleep by a random share up to it, drawn from a fixed
seed, so the spread of the timings is the module's own and not the host's."""

import os
import random
import time

import torch
import torch.nn as nn


def _start_time() -> float:
    stamp = os.environ["SLOWDOWN_STAMP"]
    try:
        fd = os.open(stamp, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        os.write(fd, repr(time.time()).encode())
        os.close(fd)
    except FileExistsError:
        pass
    for _ in range(100):
        text = open(stamp).read()
        if text:
            return float(text)
        time.sleep(0.001)
    return time.time()


_START = []
_JITTER = {}  # one seeded stream per sleep length: eager's draws are not script's


@torch.jit.ignore
def machine_sleep(ms: float) -> None:
    if not _START:
        _START.append(_start_time())
    ramp = float(os.environ.get("SLOWDOWN_RAMP", "0"))
    factor = 1.0 if ramp <= 0 else min(4.0, 1.0 + (time.time() - _START[0]) / ramp)
    jitter = float(os.environ.get("SLOWDOWN_JITTER", "0"))
    draw = _JITTER.setdefault(ms, random.Random(ms)).random()
    time.sleep(ms * factor * (1.0 + jitter * draw) / 1000.0)


class Sleeper(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.jit.is_scripting():
            machine_sleep(4.0)
        else:
            machine_sleep(8.0)
        return x * 2


def target():
    return Sleeper(), torch.ones(4)
