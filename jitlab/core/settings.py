"""Run settings shared by the command line and the app, and checks of the
module file that need no torch."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from jitlab import DEFAULT_VARIANTS, VARIANTS
from jitlab.core import pin_cpus

DEFAULTS: dict[str, Any] = {
    "file": None,
    "target": None,
    "device": "auto",
    "variants": list(DEFAULT_VARIANTS),
    "mode": "train",
    "iters": 100,
    "warmup": 5,
    "timeout": 600.0,
    # seconds a working runner may go without any message (no iteration, no status) before it is
    # reported as hung, with its Python stack (see jitlab.core.run.watchdog); 0 turns the watchdog off
    "stall_timeout": 120.0,
    "schedule": "interleaved",
    "budget": None,
    "precision": None,
    "block": None,
    "seed": 0,
    "threads": None,
    "matmul_precision": "highest",
    "cpu_fusion": False,
    # auto: on a GPU every runner's launching thread shares one core (the parent picks it, see
    # jitlab.host.placement); none: the OS places them; or a core list such as 2,3.
    "pin_cpus": "auto",
    "pin_core": None,
    "introspect": True,
    "trace_out": None,
    # Sampled blocks under the profiler between the timed ones: device-busy time per phase.
    "device_time": True,
    # torch.compile's options for every compile variant: dynamic auto (torch's default: static first,
    # dynamic after a shape change), true or false; fullgraph makes a graph break an error.
    "compile_dynamic": "auto",
    "compile_fullgraph": False,
    # cold: every compile runner compiles with its own empty Inductor/Triton cache, so first calls
    # compare run to run; warm: the user's caches (a first call may be a cache hit).
    "compile_cache": "cold",
}

COMPILE_DYNAMIC = ("auto", "true", "false")
COMPILE_CACHE = ("cold", "warm")


class InputError(ValueError):
    """Bad input that stops the whole run (exit status 2)."""


def make_settings(**overrides: Any) -> dict[str, Any]:
    """Defaults updated with ``overrides`` (``None`` values keep the default)."""
    s = dict(DEFAULTS)
    s["variants"] = list(DEFAULTS["variants"])
    for k, v in overrides.items():
        if k not in DEFAULTS:
            raise InputError(f"unknown setting {k!r}")
        if v is not None:
            s[k] = v
    return validate_settings(s)


def validate_settings(s: dict[str, Any]) -> dict[str, Any]:
    variants = s["variants"]
    if isinstance(variants, str):
        variants = [v.strip() for v in variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or not variants:
        raise InputError(f"unknown variant(s) {', '.join(unknown) or '(none given)'}: choose from {', '.join(VARIANTS)}")
    s["variants"] = [v for v in VARIANTS if v in variants]
    if s["mode"] not in ("train", "infer"):
        raise InputError(f"mode must be train or infer, not {s['mode']!r}")
    s["compile_dynamic"] = str(s.get("compile_dynamic") or "auto").lower()
    if s["compile_dynamic"] not in COMPILE_DYNAMIC:
        raise InputError(f"--dynamic must be one of {', '.join(COMPILE_DYNAMIC)}, not {s['compile_dynamic']!r}")
    if s.get("compile_cache") not in COMPILE_CACHE:
        raise InputError(f"--compile-cache must be cold or warm, not {s.get('compile_cache')!r}")
    s["compile_fullgraph"] = bool(s.get("compile_fullgraph"))
    if s["schedule"] not in ("interleaved", "sequential"):
        raise InputError(f"schedule must be interleaved or sequential, not {s['schedule']!r}")
    for key, (low, high) in LIMITS.items():
        if s[key] is None and key not in ("iters", "warmup", "seed"):
            continue
        s[key] = _whole(key, s[key], low, high)
    for key in ("timeout", "budget"):
        if s[key] is not None:
            s[key] = _positive_seconds(key, s[key])
    if s.get("stall_timeout") is not None and float(s["stall_timeout"]) < 0:
        raise InputError("--stall-timeout must be 0 (off) or a number of seconds")
    s["pin_cpus"] = check_pin_cpus(s["pin_cpus"])
    if s["precision"] is not None and not 0 < _number("precision", s["precision"]) < 1:
        raise InputError("--precision is a fraction such as 0.02 (+/-2%)")
    return s


#: Whole-number settings and their inclusive bounds. Out of them a run spins empty rounds (--block 0),
#: starts 100000 threads, or fails inside numpy's seeding (a seed must fit 32 bits).
LIMITS: dict[str, tuple[int, int]] = {
    "iters": (1, 10_000_000),
    "warmup": (1, 10_000),
    "block": (1, 10_000_000),
    "threads": (1, 1024),
    "seed": (0, 2**32 - 1),
}


def _number(key: str, value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"--{key} must be a number, not {value!r}") from None
    if math.isnan(x):
        raise InputError(f"--{key} must be a number, not nan")
    return x


def _whole(key: str, value: Any, low: int, high: int) -> int:
    x = _number(key, value)
    if not math.isfinite(x) or x != int(x) or not low <= x <= high:
        raise InputError(f"--{key} must be a whole number from {low} to {high}, not {value!r}")
    return int(x)


def _positive_seconds(key: str, value: Any) -> float:
    x = _number(key, value)
    if not math.isfinite(x) or x <= 0:
        raise InputError(f"--{key} must be a positive, finite number of seconds, not {value!r}")
    return x


def check_pin_cpus(spec: Any) -> str:
    """``auto``, ``none`` or a core list like ``2,3`` / ``0-3`` (availability is checked by the runner)."""
    try:
        return pin_cpus.normalize(spec)
    except pin_cpus.PinSpecError as exc:
        raise InputError(str(exc)) from None


def check_module_file(path: str | os.PathLike) -> Path:
    """Check that ``path`` is a readable Python file that parses.

    Raises
    ------
    InputError
        Naming the path (and the line, for a syntax error).
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a Python module file")
    if p.suffix != ".py":
        raise InputError(f"{p}: not a Python file (expected a .py module file; session files open in the app or "
                         "with `jitlab show`)")
    try:
        source = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    try:
        compile(source, str(p.resolve()), "exec")
    except SyntaxError as exc:
        text = f"\n    {exc.text.rstrip()}" if exc.text else ""
        raise InputError(f"{p.resolve()}, line {exc.lineno}: syntax error: {exc.msg}{text}") from None
    except ValueError as exc:  # e.g. null bytes
        raise InputError(f"{p}: not a Python source file ({exc})") from None
    return p.resolve()
