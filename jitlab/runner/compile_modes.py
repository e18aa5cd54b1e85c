"""Build a compile variant: ``torch.compile`` with the variant's mode and the
run's ``dynamic``/``fullgraph`` options, compiling cold unless asked not to.

Cold means an empty Inductor and Triton cache of the runner's own
(``TORCHINDUCTOR_CACHE_DIR``/``TRITON_CACHE_DIR``, set before anything
compiles and removed when the runner ends): a first call that hits the user's
FX graph or AOTAutograd cache takes a fraction of a cold one, so first-call
times would otherwise depend on what ran on the machine before.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Any, Callable

import torch

from jitlab.core.variants import compile_mode, uses_cudagraphs

_CACHE_VARS = ("TORCHINDUCTOR_CACHE_DIR", "TRITON_CACHE_DIR")


def prepare_cache(cfg: dict[str, Any]) -> dict[str, Any]:
    """Point Inductor and Triton at a fresh cache directory (cold) or leave the user's (warm).

    Must run before the first compile: Inductor reads the variables when it
    first needs its cache, and its compile workers inherit them when they start.

    Returns
    -------
    dict
        ``{"cache": "cold"|"warm", "dir": ...}`` for the session.
    """
    if (cfg.get("compile_cache") or "cold") == "warm":
        return {"cache": "warm", "dir": os.environ.get("TORCHINDUCTOR_CACHE_DIR")}
    folder = tempfile.mkdtemp(prefix="jitlab-inductor-")
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = folder
    os.environ["TRITON_CACHE_DIR"] = os.path.join(folder, "triton")
    atexit.register(remove_cache, folder)
    return {"cache": "cold", "dir": folder}


def remove_cache(folder: str | None) -> None:
    """Delete a cold cache directory of this runner (a no-op for any other path)."""
    if folder and os.path.basename(folder).startswith("jitlab-inductor-"):
        shutil.rmtree(folder, ignore_errors=True)


def options(cfg: dict[str, Any]) -> dict[str, Any]:
    """``torch.compile`` keyword arguments for ``cfg``'s ``compile_dynamic`` and ``compile_fullgraph``."""
    dynamic = {"auto": None, "true": True, "false": False}[str(cfg.get("compile_dynamic") or "auto")]
    return {"dynamic": dynamic, "fullgraph": bool(cfg.get("compile_fullgraph"))}


def build(variant: str, module: torch.nn.Module, cfg: dict[str, Any]) -> Callable:
    """``torch.compile(module, mode=..., dynamic=..., fullgraph=...)`` for a compile variant."""
    mode = compile_mode(variant)
    kwargs = options(cfg)
    if mode != "default":
        kwargs["mode"] = mode
    return torch.compile(module, **kwargs)


def device_notes(variant: str, device: torch.device) -> list[str]:
    """What a mode that needs CUDA cannot do on this device, said before it runs."""
    mode = compile_mode(variant)
    notes = []
    if device.type != "cuda" and uses_cudagraphs(variant):
        notes.append(f"CUDA graphs skipped: the device is {device.type.upper()} ({mode} records CUDA graphs on "
                     "CUDA devices only); the rest of the mode ran")
    if device.type != "cuda" and mode and mode.startswith("max-autotune"):
        notes.append(f"{mode} on {device.type.upper()}: Triton autotuning skipped (no CUDA device); Inductor "
                     "autotunes only its C++ GEMM templates here, for the matrix products it finds")
    return notes


def mark_step(variant: str, device: torch.device) -> Callable[[], None] | None:
    """The call to make before every step, or ``None``.

    Under CUDA graphs a step's outputs live in the graph's memory pool and are
    overwritten by the next replay; marking a new step tells the CUDA-graph
    trees that the previous step's outputs are no longer used, which a
    forward-plus-backward loop needs ("accessing tensor output of CUDAGraphs
    that has been overwritten by a subsequent run" otherwise).
    """
    if device.type != "cuda" or not uses_cudagraphs(variant):
        return None
    mark = getattr(getattr(torch, "compiler", None), "cudagraph_mark_step_begin", None)
    return mark
