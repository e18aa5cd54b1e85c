"""A module whose forward computes on the CPU all the time: wall time close to CPU time."""
import torch


class Computes(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(256, 256) / 16)

    def forward(self, x):
        for _ in range(20):
            x = torch.tanh(x @ self.w)
        return x


def target():
    return Computes(), torch.randn(256, 256)
