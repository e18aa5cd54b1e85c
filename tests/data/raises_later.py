"""Forward raises on its 50th call: in the middle of a timed block."""

import torch
import torch.nn as nn


class RaisesLater(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        if self.calls == 50:
            raise RuntimeError("call 50 went wrong")
        return self.lin(x)


def target():
    return RaisesLater(), (torch.randn(2, 4),)
