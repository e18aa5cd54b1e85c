import torch
import torch.nn as nn


def target():
    return nn.Sequential(nn.Linear(16, 16), nn.Tanh()), torch.randn(4, 16)


def target_small():
    """A smaller one."""
    return nn.Linear(4, 2), torch.randn(2, 4)
