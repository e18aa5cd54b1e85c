import torch.nn as nn


class Forgotten(nn.Module):
    def forward(self, x):
        return x + 1
