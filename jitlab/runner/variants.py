"""Build one variant of a module: eager, script, trace or compile (in one of its modes)."""

from __future__ import annotations

import re
import time
import warnings
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import torch

from jitlab.core.variants import is_compile
from jitlab.runner import compile_modes

#: TorchScript's deprecation warning fires on every script/trace call; it says
#: nothing about the user's module, so it is not recorded.
_IGNORED_WARNINGS = re.compile(
    r"is deprecated\. Please switch to `torch\.compile`|is not supported in Python 3\.1[4-9]\+ and may break"
)


@contextmanager
def captured_warnings(into: list[str]) -> Iterator[None]:
    """Record warnings raised inside the block as readable strings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        text = str(w.message)
        if _IGNORED_WARNINGS.search(text):
            continue
        line = f"{w.category.__name__}: {text} ({w.filename}:{w.lineno})"
        if line not in into:
            into.append(line)


def build(variant: str, module: torch.nn.Module, inputs: tuple, train: bool,
          cfg: dict[str, Any] | None = None) -> tuple[Callable, float]:
    """Return the callable for ``variant`` and the milliseconds its build took.

    The module's train/eval mode is already set: a trace freezes whatever mode
    it sees. ``cfg`` carries the compile variants' options (see
    :mod:`jitlab.runner.compile_modes`).
    """
    t0 = time.perf_counter()
    if variant == "eager":
        fn: Any = module
    elif variant == "script":
        fn = module if isinstance(module, torch.jit.ScriptModule) else torch.jit.script(module)
    elif variant == "trace":
        grad = torch.enable_grad() if train else torch.no_grad()
        with grad:
            # strict=False lets a trace return dicts and lists, as eager modules may.
            fn = torch.jit.trace(module, inputs, check_trace=False, strict=False)
    elif is_compile(variant):
        fn = compile_modes.build(variant, module, cfg or {})
    else:
        raise ValueError(f"unknown variant {variant!r}")
    return fn, (time.perf_counter() - t0) * 1000.0
