"""A module whose first forward never returns in the eager variant's process."""

import os
import time

import torch
import torch.nn as nn


class Stuck(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        if os.environ.get("JITLAB_VARIANT") == "eager":
            wait_forever()
        return self.lin(x)


def wait_forever():
    while True:
        time.sleep(0.05)  # the line a hang report must point at


def target():
    return Stuck(), torch.randn(2, 4)
