"""Correctness: compare a variant's outputs with the eager reference."""

from __future__ import annotations

from typing import Any

import torch

from jitlab.runner.harness import flatten_tensors

#: (rtol, atol) by dtype. Fusers reorder float arithmetic, so fp32 allows ~1e-3 relative.
TOLERANCES = {
    torch.float64: (1e-7, 1e-9),
    torch.float32: (1e-3, 1e-5),
    torch.float16: (1e-2, 1e-3),
    torch.bfloat16: (2e-2, 1e-2),
}


def non_tensor_count(obj: Any) -> int:
    """Values in a (nested) output that are not tensors (numbers, strings, None ...): never compared."""
    if isinstance(obj, torch.Tensor):
        return 0
    if isinstance(obj, dict):
        return sum(non_tensor_count(v) for v in obj.values())
    if isinstance(obj, (tuple, list)):
        return sum(non_tensor_count(v) for v in obj)
    return 1


def compared_text(tensors: int, others: int) -> str:
    """What the check looked at, e.g. ``2 tensors, 1 non-tensor value not compared``."""
    text = f"{tensors} tensor{'s' if tensors != 1 else ''}"
    if others:
        text += f", {others} non-tensor value{'s' if others != 1 else ''} not compared"
    return text


def meta_tensors(module: torch.nn.Module, inputs: Any) -> list[str]:
    """Names of the target's parameters, buffers and inputs on the ``meta`` device (which hold no data)."""
    names = [n for n, t in list(module.named_parameters()) + list(module.named_buffers()) if t.is_meta]
    names += [f"input {i}" for i, t in enumerate(flatten_tensors(list(inputs))) if t.is_meta]
    return names


def compare(reference: Any, actual: Any) -> dict[str, Any] | None:
    """Per-output and overall max abs / relative error and a verdict.

    The relative error is the max abs error over the largest magnitude of the
    reference output, which stays meaningful where the reference is near 0.
    Non-finite values (NaN/Inf) in the variant's output are counted and fail
    the check. ``compared`` says what was looked at; ``None`` when the outputs
    hold no tensor at all (nothing can be compared, so nothing is claimed).
    """
    ref_t = flatten_tensors(reference)
    act_t = flatten_tensors(actual)
    others = non_tensor_count(actual)
    if not ref_t and not act_t:
        return None
    if len(ref_t) != len(act_t):
        return {"ok": False, "max_abs_err": None, "max_rel_err": None, "outputs": [],
                "nonfinite": 0, "note": f"variant returned {len(act_t)} tensors, eager {len(ref_t)}",
                "compared": compared_text(0, others)}
    outputs = []
    ok, nonfinite_total = True, 0
    max_abs = max_rel = 0.0
    for i, (r, a) in enumerate(zip(ref_t, act_t)):
        entry: dict[str, Any] = {"index": i, "shape": list(a.shape), "dtype": str(a.dtype).replace("torch.", "")}
        if r.shape != a.shape:
            entry.update(ok=False, note=f"shape {list(a.shape)} differs from eager's {list(r.shape)}")
            ok = False
            outputs.append(entry)
            continue
        r = r.detach().to("cpu")
        a = a.detach().to("cpu")
        if not (r.is_floating_point() or r.is_complex()):
            same = bool(torch.equal(r, a))
            entry.update(ok=same, max_abs_err=0.0 if same else None, max_rel_err=0.0 if same else None)
            ok &= same
            outputs.append(entry)
            continue
        nonfinite = int((~torch.isfinite(a)).sum())
        ref_nonfinite = int((~torch.isfinite(r)).sum())
        finite = torch.isfinite(a) & torch.isfinite(r)
        diff = (a.double() - r.double()).abs()[finite]
        abs_err = float(diff.max()) if diff.numel() else 0.0
        scale = float(r.double().abs()[finite].max()) if diff.numel() else 0.0
        rel_err = abs_err / scale if scale > 0 else abs_err
        rtol, atol = TOLERANCES.get(a.dtype, (1e-3, 1e-5))
        good = abs_err <= atol + rtol * scale and nonfinite == 0
        entry.update(ok=good, max_abs_err=abs_err, max_rel_err=rel_err, nonfinite=nonfinite,
                     reference_nonfinite=ref_nonfinite, rtol=rtol, atol=atol)
        outputs.append(entry)
        ok &= good
        nonfinite_total += nonfinite
        max_abs, max_rel = max(max_abs, abs_err), max(max_rel, rel_err)
    note = None
    if nonfinite_total:
        note = f"{nonfinite_total} NaN/Inf value(s) in the outputs"
    return {"ok": bool(ok), "max_abs_err": max_abs, "max_rel_err": max_rel, "outputs": outputs,
            "nonfinite": nonfinite_total, "note": note, "compared": compared_text(len(act_t), others)}
