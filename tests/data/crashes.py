"""Forward kills its own process in the variant named by $CRASH_VARIANT, as $CRASH_HOW says."""
import ctypes
import os
import signal
import time

import torch
import torch.nn as nn


@torch.jit.ignore
def _misbehave():
    if os.environ.get("JITLAB_VARIANT") != os.environ.get("CRASH_VARIANT"):
        return
    how = os.environ.get("CRASH_HOW")
    if how == "exit":
        os._exit(7)
    if how == "segfault":
        ctypes.string_at(0)
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if how == "hang":
        time.sleep(3600)
    if how == "oom":
        torch.empty(1 << 48, dtype=torch.uint8)  # 256 TiB


class Fragile(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        if self.calls > 1:  # let tracing (the first call) through
            _misbehave()
        return self.lin(x)


def target():
    return Fragile(), torch.randn(2, 8)
