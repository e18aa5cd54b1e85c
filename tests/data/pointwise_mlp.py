"""A linear layer followed by a chain of pointwise ops: Inductor turns the
pointwise tail into one generated kernel and leaves the matmul to a library."""

import torch
import torch.nn as nn


class PointwiseMLP(nn.Module):
    def __init__(self, features: int = 32):
        super().__init__()
        self.lin = nn.Linear(features, features)

    def forward(self, x):
        h = self.lin(x)
        return torch.tanh(h) * torch.sigmoid(h) + 0.5 * h


def target():
    return PointwiseMLP(), (torch.randn(16, 32),)
