"""A gated activation block: a chain of pointwise operations (scale, shift,
tanh, sigmoid, multiply, relu) that eager PyTorch runs as one kernel each and
a fuser runs as one kernel in all.

Targets
-------
``target``
    Two inputs of 4096x4096 on a GPU, 64x256 on a CPU.
"""

import torch
import torch.nn as nn
from torch import Tensor


class GatedActivation(nn.Module):
    def __init__(self, features: int):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(features))
        self.shift = nn.Parameter(torch.zeros(features))

    def forward(self, x: Tensor, gate: Tensor) -> Tensor:
        h = x * self.scale + self.shift
        y = torch.tanh(h) * torch.sigmoid(gate)
        return torch.relu(y) + h * 0.5


def target(device):
    """Pointwise gated activation on two inputs."""
    rows, features = (4096, 4096) if device.type == "cuda" else (64, 256)
    x = torch.randn(rows, features, device=device)
    gate = torch.randn(rows, features, device=device)
    return GatedActivation(features).to(device), (x, gate)
