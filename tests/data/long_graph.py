"""A module whose traced graph is long: a Python loop that a trace unrolls into thousands of nodes."""

import torch
import torch.nn as nn


class Unrolled(nn.Module):
    def __init__(self, steps: int = 900):
        super().__init__()
        self.steps = steps
        self.w = nn.Parameter(torch.ones(8))

    def forward(self, x):
        for _ in range(self.steps):
            x = x * self.w + 0.001  # unrolled by the trace: one set of nodes per step
        return x.tanh()


def target():
    return Unrolled(), torch.randn(4, 8)
