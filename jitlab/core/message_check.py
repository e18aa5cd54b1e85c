"""Shapes of the messages a runner sends, checked before the conductor uses them.

User code runs in the runner and can reach its channel: a message may have
any shape. :func:`problem` names what is wrong with one (``None`` if it is
well formed), so that the conductor fails that variant with a clear message
instead of raising in the middle of the run. Unknown extra fields are fine.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from jitlab.core import protocol as P
from jitlab.core.session import schema

Check = Callable[[Any], bool]


def _as_in_session(check: schema.Check) -> Check:
    """A session-schema check as a predicate: what a message puts in the session must load again."""
    def inner(value: Any) -> bool:
        try:
            check(value, "value")
        except schema.SchemaError:
            return False
        return True
    return inner


def _num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _opt(check: Check) -> Check:
    return lambda x: x is None or check(x)


def _str_list(x: Any) -> bool:
    return isinstance(x, list) and all(isinstance(s, str) for s in x)


def _dict(x: Any) -> bool:
    return isinstance(x, dict)


def _str(x: Any) -> bool:
    return isinstance(x, str)


def _bool(x: Any) -> bool:
    return isinstance(x, bool)


#: Per message type: field -> (required, check). Checks describe what the conductor and the views read.
SHAPES: dict[str, dict[str, tuple[bool, Check]]] = {
    P.READY: {"env": (False, _as_in_session(schema.optional(schema.ENV)))},
    P.STATUS: {"phase": (False, _opt(_str)), "text": (False, _opt(_str))},
    P.LOADED: {"env": (False, _as_in_session(schema.optional(schema.ENV))), "target": (False, _opt(_str)), "notes": (False, _str_list),
               "warnings": (False, _str_list), "not_applicable": (False, _opt(_str))},
    P.ITERS: {"i0": (True, _int), "fwd": (True, lambda x: isinstance(x, list) and all(_num(v) for v in x)),
              "bwd": (True, lambda x: isinstance(x, list) and all(v is None or _num(v) for v in x)),
              "cpu": (False, lambda x: isinstance(x, list) and all(v is None or _num(v) for v in x)),
              "warmup": (False, _opt(_bool)), "round": (False, _opt(_int))},
    P.BUILT: {"build_ms": (False, _opt(_num)), "first_call_ms": (False, _opt(_num)),
              "est_iter_ms": (False, _opt(_num)), "check": (False, _as_in_session(schema.CHECK)),
              "peak_memory_bytes": (False, _opt(_num)), "device_free_bytes": (False, _opt(_num)),
              "warnings": (False, _str_list), "notes": (False, _str_list),
              "compile_time": (False, _as_in_session(schema.COMPILE_TIME)),
              "cudagraphs": (False, _as_in_session(schema.CUDAGRAPHS)), "compile_cache": (False, _opt(_str))},
    P.RECOMPILED: {"i": (True, _int), "warmup": (False, _opt(_bool)), "reason": (False, _opt(_str)),
                   "guard": (False, _opt(_str)), "subject": (False, _opt(_str)), "compile_id": (False, _opt(_str)),
                   "function": (False, _opt(_str)), "file": (False, _opt(_str)), "line": (False, _opt(_int)),
                   "seconds": (False, _opt(_num))},
    P.BLOCK: {"round": (False, _opt(_int)), "n": (False, _opt(_int)), "elapsed_ms": (False, _opt(_num)),
              "sample": (False, _as_in_session(schema.optional(schema.SAMPLE))),
              "peak_memory_bytes": (False, _opt(_num))},
    P.INTROSPECTED: {"graphs": (False, _opt(_dict)), "kernels": (False, _opt(lambda x: isinstance(x, (dict, list)))),
                     "notes": (False, _str_list)},
    P.BYE: {"peak_memory_bytes": (False, _opt(_num)), "warnings": (False, _str_list),
            "cudagraphs": (False, _as_in_session(schema.CUDAGRAPHS))},
    P.ERROR: {"message": (True, _str), "phase": (False, _opt(_str)), "traceback": (False, _opt(_str)),
              "location": (False, _as_in_session(schema.LOCATION)), "kind": (False, _opt(_str)),
              "memory": (False, _opt(_dict)), "fatal": (False, _opt(_bool))},
    P.TARGETS: {"file": (False, _opt(_str)), "targets": (True, lambda x: isinstance(x, list) and all(
        isinstance(t, dict) and _str(t.get("name")) for t in x)),
        "modules": (False, _opt(lambda x: isinstance(x, list))),
        "devices": (False, _opt(lambda x: isinstance(x, list) and all(isinstance(d, dict) for d in x)))},
    P.DEVICES: {"devices": (True, lambda x: isinstance(x, list) and all(
        isinstance(d, dict) and _str(d.get("id")) and _str(d.get("kind")) for d in x))},
}


def problem(msg: Any) -> str | None:
    """What is wrong with ``msg`` as a runner message, or ``None``."""
    if not isinstance(msg, dict):
        return f"not a JSON object: {_short(msg)}"
    kind = msg.get("t")
    if not isinstance(kind, str):
        return f"no message type: {_short(msg)}"
    shape = SHAPES.get(kind)
    if shape is None:
        return None  # a newer runner's message: ignored by the conductor
    for key, (required, check) in shape.items():
        if key not in msg:
            if required:
                return f"a {kind!r} message without its {key!r} field"
            continue
        if not check(msg[key]):
            return f"a {kind!r} message whose {key!r} is {_short(msg[key])}"
    if kind == P.ITERS and "cpu" in msg and len(msg["cpu"]) != len(msg["fwd"]):
        return f"an 'iters' message with columns of different lengths (fwd {len(msg['fwd'])}, cpu {len(msg['cpu'])})"
    if kind == P.ITERS and len(msg["fwd"]) != len(msg["bwd"]):
        return f"an 'iters' message with columns of different lengths (fwd {len(msg['fwd'])}, bwd {len(msg['bwd'])})"
    return None


def impossible_time(msg: dict[str, Any], zero_ok: bool = False) -> str | None:
    """An iteration time no clock can give (negative, not finite, or zero off the GPU), described."""
    for col, label in (("fwd", "forward"), ("bwd", "backward")):
        for j, value in enumerate(msg[col]):
            if value is None:
                continue
            if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
                return (f"iteration {msg['i0'] + j}'s {label} took {value!r} ms, which no clock gives "
                        "(times must be positive and finite; does the module replace or patch the "
                        "runner's clock, e.g. time.perf_counter_ns?)")
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
