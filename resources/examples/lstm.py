"""An LSTM layer written by hand: a cell with four gates, looped over time in
Python. The fusers merge the gates' pointwise math into one kernel, forward
and backward; cuDNN's ``nn.LSTM`` is the floor.

Targets
-------
``target``
    The hand-written LSTM. On a GPU: sequence 100, batch 64, input 512,
    hidden 512 (the classic RNN-benchmark size); on a CPU a small one.
``target_cudnn``
    ``nn.LSTM`` at the same size (cuDNN on a GPU).
"""

from typing import List, Tuple

import torch
import torch.nn as nn
from torch import Tensor


class LSTMCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        scale = hidden_size ** -0.5
        self.weight_ih = nn.Parameter(torch.randn(4 * hidden_size, input_size) * scale)
        self.weight_hh = nn.Parameter(torch.randn(4 * hidden_size, hidden_size) * scale)
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x: Tensor, state: Tuple[Tensor, Tensor]) -> Tuple[Tensor, Tensor]:
        hx, cx = state
        gates = (torch.mm(x, self.weight_ih.t()) + self.bias_ih
                 + torch.mm(hx, self.weight_hh.t()) + self.bias_hh)
        ingate, forgetgate, cellgate, outgate = gates.chunk(4, 1)
        ingate = torch.sigmoid(ingate)
        forgetgate = torch.sigmoid(forgetgate)
        cellgate = torch.tanh(cellgate)
        outgate = torch.sigmoid(outgate)
        cy = forgetgate * cx + ingate * cellgate
        hy = outgate * torch.tanh(cy)
        return hy, cy


class LSTMLayer(nn.Module):
    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(self, x: Tensor) -> Tensor:
        steps = x.unbind(0)
        h = torch.zeros(x.shape[1], self.hidden_size, dtype=x.dtype, device=x.device)
        c = torch.zeros(x.shape[1], self.hidden_size, dtype=x.dtype, device=x.device)
        outputs: List[Tensor] = []
        for i in range(len(steps)):
            h, c = self.cell(steps[i], (h, c))
            outputs.append(h)
        return torch.stack(outputs)


class LibraryLSTM(nn.Module):
    """``nn.LSTM`` returning only its output sequence, like ``LSTMLayer``."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size)

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.lstm(x)
        return out


def _size(device):
    # seq, batch, input, hidden
    return (100, 64, 512, 512) if device.type == "cuda" else (16, 8, 32, 32)


def target(device):
    """Hand-written LSTM layer (Python loop over time)."""
    seq, batch, inp, hid = _size(device)
    x = torch.randn(seq, batch, inp, device=device)
    return LSTMLayer(inp, hid).to(device), x


def target_cudnn(device):
    """nn.LSTM at the same size: cuDNN on a GPU, the reference floor."""
    seq, batch, inp, hid = _size(device)
    x = torch.randn(seq, batch, inp, device=device)
    return LibraryLSTM(inp, hid).to(device), x
