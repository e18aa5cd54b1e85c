"""Parses, but raises when imported: the probe reports it on open."""

import torch

SIZES = {"small": 4}
WIDTH = SIZES["large"]


def target():
    return torch.nn.Linear(WIDTH, WIDTH), torch.rand(1, WIDTH)
