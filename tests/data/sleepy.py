"""A step that takes ~25 ms: long enough that a runner streaming during a block would write mid-block."""

import time

import torch
import torch.nn as nn


class Sleepy(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        time.sleep(0.025)
        return self.lin(x)


def target():
    return Sleepy(), (torch.randn(2, 4),)
