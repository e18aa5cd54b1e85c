"""Forward appends the number of cores it may run on to the file named by $AFFINITY_LOG."""

import os

import torch
import torch.nn as nn


@torch.jit.ignore
def _log_cores() -> None:
    with open(os.environ["AFFINITY_LOG"], "a") as fh:
        fh.write(f"{len(os.sched_getaffinity(0))}\n")


class Probe(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        _log_cores()
        return self.lin(x)


def target():
    return Probe(), (torch.randn(2, 4),)
