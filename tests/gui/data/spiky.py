"""A small layer whose forward stalls now and then: spikes 100x above a typical iteration."""

import time

import torch
import torch.nn as nn


class Spiky(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(16, 16)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        if self.calls % 9 == 0:
            time.sleep(0.03)
        return torch.relu(self.lin(x))


def target():
    return Spiky(), torch.randn(8, 16)
