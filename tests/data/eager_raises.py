"""Forward raises only when run eagerly (not while scripting or tracing)."""
import torch
import torch.nn as nn


class Picky(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)

    def forward(self, x):
        if not torch.jit.is_scripting() and not torch.jit.is_tracing():
            raise ValueError("eager forward refuses to run")
        return self.lin(x)


def target():
    return Picky(), torch.randn(2, 8)


def target_bad_shape():
    return nn.Linear(8, 8), torch.randn(2, 5)
