"""A pointwise layer: one small Inductor kernel per graph, so that every compile mode compiles in seconds
on a CPU (no matrix product, so max-autotune has no GEMM to autotune)."""

import torch


class Pointwise(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.linspace(0.5, 1.5, 16))

    def forward(self, x):
        return torch.sin(x * self.w) + 1


def target():
    return Pointwise(), torch.randn(8, 16)
