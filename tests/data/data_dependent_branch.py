"""A layer whose branch depends on the data: a trace freezes the branch its example input took."""

import torch
import torch.nn as nn


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)

    def forward(self, x):
        if x.mean() > 2:  # the example (all fives) goes here; a fresh standard-normal input does not
            return self.lin(x) * 2
        return self.lin(x)


def target():
    return Branchy(), torch.full((4, 8), 5.0)
