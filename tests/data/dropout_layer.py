"""A layer with dropout: random in train mode, like a transformers BertLayer."""

import torch
import torch.nn as nn


class Dropped(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(32, 32)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(torch.relu(self.lin(x)))


def target():
    return Dropped(), torch.randn(16, 32)
