"""A module whose forward prints halfway: Dynamo cannot put ``print`` in a
graph, so it captures two graphs with one break between them."""

import torch
import torch.nn as nn


class Chatty(nn.Module):
    def __init__(self, features: int = 16):
        super().__init__()
        self.lin = nn.Linear(features, features)

    def forward(self, x):
        h = torch.relu(self.lin(x))
        print("halfway through forward")  # the graph break
        return torch.tanh(h) * 2.0


def target():
    return Chatty(), (torch.randn(8, 16),)
