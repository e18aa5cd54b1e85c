"""Variant names: the compile modes are variants of their own.

``compile`` is ``torch.compile(module)`` in its default mode; ``compile:<mode>``
passes ``mode=<mode>``. Each runs in its own runner process like every other
variant, so a mode's compile time, caches and CUDA graphs never leak into
another's measurement.
"""

from __future__ import annotations

from typing import Iterable

from jitlab import VARIANTS

COMPILE = "compile"
#: ``torch.compile``'s modes, in the order jitlab lists them.
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
#: The variant name of each mode (the default mode keeps the plain name old sessions use).
COMPILE_VARIANTS = tuple(COMPILE if m == "default" else f"{COMPILE}:{m}" for m in COMPILE_MODES)
#: Modes under which Inductor wraps its graphs in CUDA graphs.
CUDAGRAPH_MODES = ("reduce-overhead", "max-autotune")


def is_compile(name: str | None) -> bool:
    """Whether ``name`` is ``compile`` or one of its ``compile:<mode>`` variants."""
    return name is not None and (name == COMPILE or name.startswith(COMPILE + ":"))


def compile_mode(name: str) -> str | None:
    """``torch.compile``'s mode of a compile variant (``default`` for plain ``compile``); ``None`` otherwise."""
    if not is_compile(name):
        return None
    return name.split(":", 1)[1] if ":" in name else "default"


def uses_cudagraphs(name: str) -> bool:
    """Whether the variant's mode asks Inductor for CUDA graphs."""
    return compile_mode(name) in CUDAGRAPH_MODES


def file_stem(name: str) -> str:
    """``name`` made safe for a file name (a colon is not allowed on Windows)."""
    return name.replace(":", "-")


def ordered(names: Iterable[str]) -> list[str]:
    """Variant names in the canonical order (eager, script, trace, compile, others)."""
    names = list(names)
    known = [v for v in VARIANTS if v in names]
    return known + [n for n in names if n not in known]
