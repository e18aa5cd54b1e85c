"""A module so small that timing it measures the timing machinery itself.

``nn.Linear(1, 1)`` on a single element: forward and backward are a handful
of tiny kernels, so what jitlab reports for it is dominated by the cost of
the timed loop, not by the module. Used by ``benchmarks/overhead.py`` and by
the streaming run of ``benchmarks/gpu_truth.py``.
"""

import torch
import torch.nn as nn


def target(device):
    """nn.Linear(1, 1) on a 1x1 input."""
    return nn.Linear(1, 1).to(device), torch.ones(1, 1, device=device)
