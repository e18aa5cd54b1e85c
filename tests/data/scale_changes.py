"""A layer whose Python attribute ``scale`` changes from 1 to 2 after its ``CHANGE_AFTER``-th call.

Dynamo guards on ``self.scale`` (an int attribute is static), so the next call recompiles. The change
is made by a function Dynamo does not trace (``torch._dynamo.disable``), as code outside the model
would make it between steps.
"""

import torch

#: The call after which ``scale`` becomes 2: the recompile happens at iteration CHANGE_AFTER (from 0).
CHANGE_AFTER = 40


@torch._dynamo.disable
def _count(layer):
    layer.calls += 1
    if layer.calls == CHANGE_AFTER:
        layer.scale = 2


class ScaleChanges(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(16))
        self.scale = 1
        self.calls = 0

    def forward(self, x):
        y = torch.sin(x * self.w) * self.scale
        _count(self)
        return y


def target():
    return ScaleChanges(), torch.randn(8, 16)
