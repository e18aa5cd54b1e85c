"""Stochastic modules: check them against eager without false alarms.

A module that draws random numbers (dropout in train mode, noise layers)
gives a different output under another seed. Variants are compared with
eager under the *same* seed; TorchScript draws from eager's generator, but
Inductor generates its own random numbers, so a correct compiled module
"differs" from eager (a BertLayer in train mode read ``DIFF 9.8e-01``).
Randomness is detected by running eager against itself under two seeds; a
compiled variant of a random module is then built with
``torch._inductor.config.fallback_random``, which makes Inductor use eager's
random kernels, so that its check is deterministic, and a note says so.
"""

from __future__ import annotations

from typing import Any

import torch

from jitlab.core.variants import is_compile

from jitlab.runner.check import compare

#: The second seed of the detection is the run's seed plus this.
OTHER_SEED_OFFSET = 7919


def is_random(module: torch.nn.Module, inputs: tuple, seed: int) -> bool:
    """Whether ``module``'s output changes with the seed (two forwards, no gradients)."""
    try:
        with torch.no_grad():
            torch.manual_seed(seed)
            a = module(*inputs)
            torch.manual_seed(seed + OTHER_SEED_OFFSET)
            b = module(*inputs)
    except Exception:  # noqa: BLE001 - the reference check reports a module that cannot run
        return False
    finally:
        torch.manual_seed(seed)
    check = compare(a, b)  # None: no tensor to compare, so nothing tells it is random
    return check is not None and not check.get("ok", True)


def prepare(variant: str, module: torch.nn.Module | None, inputs: tuple, seed: int, notes: list[str]) -> bool:
    """Before building ``variant``: detect randomness and make the comparison deterministic; returns it."""
    if module is None or not is_random(module, inputs, seed):
        return False
    if is_compile(variant):
        import torch._inductor.config as inductor_config

        inductor_config.fallback_random = True
        notes.append("the module draws random numbers (its output changes with the seed, e.g. dropout in train "
                     f"mode): {variant} was built with torch._inductor.config.fallback_random, so that it uses eager's "
                     "random generator and its check against eager is deterministic")
    else:
        notes.append(f"the module draws random numbers (its output changes with the seed, e.g. dropout in train "
                     f"mode): {variant} and eager are compared under the same seed")
    return True


def mark(check: dict[str, Any] | None, random: bool) -> dict[str, Any] | None:
    """The check, flagged ``random`` when the module is stochastic."""
    if check is None or not random:
        return check
    return {**check, "random": True}
