import torch
import torch.nn as nn


class Overflow(nn.Module):
    def forward(self, x):
        return torch.log(x) * 0.0 + x / (x - x)


def target():
    return Overflow(), torch.randn(4, 4).abs() + 1
