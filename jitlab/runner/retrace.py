"""Trace's trap, shown: run the traced module on a second, freshly drawn input and compare with eager.

``torch.jit.trace`` records the operations the example input went through; a
branch that depends on the data is frozen to the path the example took. The
seed's ``TracerWarning`` says it might happen; this check shows whether it
does: fresh inputs of the same shapes and dtypes (standard normal floats,
integers within the example's range so indices stay valid) go through the
eager module and the traced one, and their outputs are compared.
"""

from __future__ import annotations

from typing import Any

import torch

from jitlab.runner.check import compare

#: Seed offset of the second input (the example's seed plus this).
SECOND_SEED_OFFSET = 1


def fresh_like(x: Any) -> Any:
    """A new tensor of ``x``'s shape, dtype and device (non-tensors are kept)."""
    if not isinstance(x, torch.Tensor):
        return x
    if x.dtype.is_floating_point or x.dtype.is_complex:
        return torch.randn_like(x)
    if x.dtype == torch.bool or x.numel() == 0:
        return x.clone()
    lo, hi = int(x.min()), int(x.max())
    return torch.randint(lo, hi + 1, x.shape, dtype=x.dtype, device=x.device)


def second_input_check(reference_module: torch.nn.Module, traced: Any, inputs: tuple, seed: int) -> dict[str, Any]:
    """Compare ``traced`` with the eager ``reference_module`` on a fresh input.

    Returns
    -------
    dict
        :func:`jitlab.runner.check.compare`'s result, plus ``"error"`` if either call raised.
    """
    torch.manual_seed(seed + SECOND_SEED_OFFSET)
    fresh = tuple(fresh_like(x.detach() if isinstance(x, torch.Tensor) else x) for x in inputs)
    try:
        with torch.no_grad():
            torch.manual_seed(seed)
            expected = reference_module(*fresh)
            torch.manual_seed(seed)
            got = traced(*fresh)
    except Exception as exc:  # noqa: BLE001 - reported as the check's outcome
        return {"ok": False, "max_abs_err": None, "max_rel_err": None, "error": f"{type(exc).__name__}: {exc}"}
    return compare(expected, got)


def second_input_warning(result: dict[str, Any]) -> str | None:
    """The warning to record when the traced module disagrees with eager on the second input, else None."""
    if result.get("ok"):
        return None
    if result.get("error"):
        detail = f"the traced module raised {result['error']} on a new input eager accepts"
    else:
        rel = result.get("max_rel_err")
        detail = f"max rel. error {rel:.2g}" if rel is not None else (result.get("note") or "outputs differ")
    return ("trace gives a different result on new inputs: on a second, freshly drawn input of the same shapes "
            f"the traced module disagrees with eager ({detail}). torch.jit.trace froze the control flow the "
            "example input took (a branch or loop that depends on the data); use script, or compile, for "
            "this module")


def apply(check: dict[str, Any] | None, reference_module: torch.nn.Module, traced: Any, inputs: tuple, seed: int,
          warnings: list[str]) -> dict[str, Any] | None:
    """Run the second-input check; record it in ``check["second_input"]`` and warn when it fails."""
    result = second_input_check(reference_module, traced, inputs, seed)
    warning = second_input_warning(result)
    if warning:
        warnings.append(warning)
    if check is not None:
        check = {**check, "second_input": {k: result.get(k) for k in ("ok", "max_abs_err", "max_rel_err", "error")}}
    return check
