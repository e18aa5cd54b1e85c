"""The classic style: a ScriptModule subclass with @torch.jit.script_method."""
import torch
import torch.jit as jit


class Scaled(jit.ScriptModule):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(8, 8))

    @jit.script_method
    def forward(self, x):
        return torch.tanh(x @ self.weight)


def target():
    return Scaled(), torch.randn(4, 8)
