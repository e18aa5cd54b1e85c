import torch
import torch.nn as nn

import a_module_that_does_not_exist  # noqa: F401


def target():
    return nn.Linear(2, 2), torch.randn(1, 2)
