"""Eager works; scripting fails (os._exit is not TorchScript); tracing kills
its runner process (os._exit while tracing)."""

import os

import torch
import torch.nn as nn


class ScriptFailsTraceCrashes(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        if torch.jit.is_tracing():
            os._exit(3)  # the trace variant's runner dies here; TorchScript cannot compile this line
        return torch.relu(self.lin(x))


def target():
    return ScriptFailsTraceCrashes(), torch.rand(2, 4)
