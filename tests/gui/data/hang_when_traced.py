"""Eager works; tracing never returns (the variant must time out)."""

import time

import torch
import torch.nn as nn


class HangsWhenTraced(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        if torch.jit.is_tracing():
            time.sleep(3600)
        return torch.relu(self.lin(x))


def target():
    return HangsWhenTraced(), torch.rand(2, 4)
