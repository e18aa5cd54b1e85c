"""A module that counts its calls in a Python attribute and scales by the count: every saved form
(script, trace, export) freezes or replays the count differently from the module itself."""

import torch
import torch.nn as nn


class Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, x):
        self.calls = self.calls + 1
        return x * self.calls


def target():
    return Counter(), torch.ones(4)
