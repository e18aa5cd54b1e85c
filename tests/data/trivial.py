import torch
import torch.nn as nn


class Nothing(nn.Module):
    def forward(self, x):
        return x


def target():
    return Nothing(), torch.ones(1)
