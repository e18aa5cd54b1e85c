"""A module whose forward sleeps: wall time far beyond CPU time, without a busy machine."""
import time

import torch


class Sleeps(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(8))

    def forward(self, x):
        time.sleep(0.02)
        return x * self.w


def target():
    return Sleeps(), torch.ones(4, 8)
