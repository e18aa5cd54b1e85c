"""A Conv2d layer written by hand: unfold the input into windows, then one
matrix multiply per (input channel, output channel) pair.

Nobody would ship this instead of ``nn.Conv2d``; it stands in for the custom
layer you wrote yourself. Its Python loops and many small kernels are where
``torch.jit.script`` and ``torch.compile`` find their speedups.

Targets
-------
``target``
    The hand-written layer. On a GPU: a 1x3x512x512 input and 16 output
    channels, kernel 3 (the classic size); on a CPU a smaller image so a run
    takes seconds.
``target_library``
    ``nn.Conv2d`` at the same size: the floor a library kernel reaches.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class UnfoldConv2d(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, padding: int = 0,
                 stride: int = 1, dilation: int = 1):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.kernel_area = kernel_size * kernel_size
        self.padding = padding
        self.stride = stride
        self.dilation = dilation
        scale = (in_channels * self.kernel_area) ** -0.5
        self.weights = nn.Parameter(torch.randn(out_channels, in_channels, self.kernel_area) * scale)

    def output_size(self, size: int) -> int:
        span = self.dilation * (self.kernel_size - 1) + 1
        return (size + 2 * self.padding - span) // self.stride + 1

    def windows(self, x: torch.Tensor) -> torch.Tensor:
        cols = F.unfold(x, kernel_size=(self.kernel_size, self.kernel_size),
                        dilation=(self.dilation, self.dilation),
                        padding=(self.padding, self.padding), stride=(self.stride, self.stride))
        # [batch, C*k*k, L] -> [C, batch*L, k*k]
        cols = cols.transpose(1, 2).contiguous().view(-1, x.shape[1], self.kernel_area)
        return cols.transpose(0, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height = self.output_size(x.shape[2])
        width = self.output_size(x.shape[3])
        windows = self.windows(x)
        batch = x.shape[0]
        result = torch.zeros([batch * self.out_channels, height, width], dtype=x.dtype, device=x.device)
        for channel in range(self.in_channels):
            for out in range(self.out_channels):
                product = torch.matmul(windows[channel], self.weights[out][channel])
                product = product.view(-1, height, width)
                result[out * batch:(out + 1) * batch] += product
        return result.view(self.out_channels, batch, height, width).transpose(0, 1)


def _size(device):
    # The classic size on a GPU; a small image on a CPU so that a run takes seconds.
    return (1, 3, 512, 512, 16) if device.type == "cuda" else (1, 3, 48, 48, 4)


def target(device):
    """Hand-written unfold+matmul Conv2d, kernel 3."""
    n, c, h, w, out = _size(device)
    x = torch.rand(n, c, h, w, device=device)
    return UnfoldConv2d(c, out, 3).to(device), x


def target_library(device):
    """nn.Conv2d at the same size (cuDNN / oneDNN): the reference floor."""
    n, c, h, w, out = _size(device)
    x = torch.rand(n, c, h, w, device=device)
    return nn.Conv2d(c, out, 3, bias=False).to(device), x
