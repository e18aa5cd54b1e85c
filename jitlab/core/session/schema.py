"""The shape of a ``jitlab.session/1`` file, checked once when it is loaded.

Views and ``jitlab show`` read a session with plain key lookups; a file that
is valid JSON but of the wrong shape (``"env": {"device": "cpu"}``) used to
raise deep inside them, at every launch of the app for a file in the history
folder. :func:`check` walks the file once and names the first thing that is
wrong, by its path in the document (``variants.script.iterations[3].fwd_ms``).

Only what the readers use is checked; unknown extra keys are allowed, and
missing optional keys are filled in by :func:`jitlab.core.session.store.validate`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Callable

Check = Callable[[Any, str], None]

STATUSES = ("ok", "failed", "timeout", "not_applicable", "stopped", "pending", "running")
#: Variant names are identifiers, with an optional ``:mode`` (``compile:reduce-overhead``): they become
#: labels, legend entries and (colon replaced) file names.
VARIANT_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}(:[a-z][a-z0-9-]{0,39})?")


class SchemaError(ValueError):
    """Where a session departs from the schema, and how."""


def _fail(where: str, value: Any, expected: str) -> None:
    text = repr(value)
    text = text if len(text) <= 80 else text[:77] + "..."
    raise SchemaError(f"{where} is {text} (expected {expected})")


def number(value: Any, where: str) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        _fail(where, value, "a number")


def integer(value: Any, where: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        _fail(where, value, "a whole number")


def text(value: Any, where: str) -> None:
    if not isinstance(value, str):
        _fail(where, value, "text")


def boolean(value: Any, where: str) -> None:
    if not isinstance(value, bool):
        _fail(where, value, "true or false")


def anything(value: Any, where: str) -> None:
    return None


def optional(check: Check) -> Check:
    def inner(value: Any, where: str) -> None:
        if value is not None:
            check(value, where)
    return inner


def list_of(check: Check) -> Check:
    def inner(value: Any, where: str) -> None:
        if not isinstance(value, list):
            _fail(where, value, "a list")
        for i, item in enumerate(value):
            check(item, f"{where}[{i}]")
    return inner


def obj(fields: dict[str, tuple[bool, Check]], values: Check | None = None) -> Check:
    """A JSON object: ``fields`` maps a key to (required, check); ``values`` checks every other key's value."""
    def inner(value: Any, where: str) -> None:
        if not isinstance(value, dict):
            _fail(where, value, "an object")
        for key, (required, check) in fields.items():
            if key in value:
                check(value[key], f"{where}.{key}")
            elif required:
                raise SchemaError(f"{where} has no {key!r}")
        if values is not None:
            for key, item in value.items():
                if key not in fields:
                    values(item, f"{where}.{key}")
    return inner


def one_of(*choices: str) -> Check:
    def inner(value: Any, where: str) -> None:
        if value not in choices:
            _fail(where, value, "one of " + ", ".join(choices))
    return inner


def timestamp(value: Any, where: str) -> None:
    text(value, where)
    try:
        datetime.fromisoformat(value)
    except ValueError:
        _fail(where, value, "an ISO 8601 time such as 2025-01-31T12:00:00+00:00")


def scalar(value: Any, where: str) -> None:
    if value is not None and not isinstance(value, (str, int, float, bool)):
        _fail(where, value, "a number, text, true/false or null")


def _scalars_or_lists(value: Any, where: str) -> None:
    if isinstance(value, list):
        list_of(scalar)(value, where)
    else:
        scalar(value, where)


OPT_NUM = optional(number)
OPT_INT = optional(integer)
OPT_TEXT = optional(text)
TEXTS = list_of(text)

LOCATION = optional(obj({"file": (False, OPT_TEXT), "line": (False, OPT_INT)}))
ERROR = optional(obj({"message": (False, OPT_TEXT), "phase": (False, OPT_TEXT), "traceback": (False, OPT_TEXT),
                      "location": (False, LOCATION), "kind": (False, OPT_TEXT), "memory": (False, optional(obj({})))}))
ITERATION = obj({"i": (False, OPT_INT), "fwd_ms": (True, number), "bwd_ms": (False, OPT_NUM),
                 "recompile": (False, optional(boolean)),
                 "cpu_ms": (False, OPT_NUM), "warmup": (False, optional(boolean)), "round": (False, OPT_INT)})
SUMMARY = optional(obj({}, values=_scalars_or_lists))
STATS = optional(obj({"fwd": (False, SUMMARY), "bwd": (False, SUMMARY), "total": (False, SUMMARY)}))
CHECK = optional(obj({"ok": (False, optional(boolean)), "max_abs_err": (False, OPT_NUM),
                      "max_rel_err": (False, OPT_NUM), "note": (False, OPT_TEXT),
                      "outputs": (False, optional(list_of(obj({}))))}))
_NUM = (int, float)


def iterations(value: Any, where: str) -> None:
    """The iteration list, checked in one tight loop (a long run has 10⁶ of them; the app loads
    sessions in its GUI thread); the generic check runs only to describe a bad entry."""
    if not isinstance(value, list):
        _fail(where, value, "a list")
    for i, it in enumerate(value):
        if (type(it) is not dict or type(it.get("fwd_ms")) not in _NUM
                or not (it.get("bwd_ms") is None or type(it["bwd_ms"]) in _NUM)
                or not (it.get("warmup") is None or type(it["warmup"]) is bool)
                or not (it.get("round") is None or type(it["round"]) is int)
                or not (it.get("i") is None or type(it["i"]) is int)
                or not (it.get("cpu_ms") is None or type(it["cpu_ms"]) in _NUM)):
            ITERATION(it, f"{where}[{i}]")


DEVICE_SAMPLE = obj({"round": (False, OPT_INT), "fwd_ms": (False, OPT_NUM), "bwd_ms": (False, OPT_NUM),
                     "fwd_launches": (False, OPT_NUM), "bwd_launches": (False, OPT_NUM)})
PHASE_FIGURES = optional(obj({"fwd": (False, OPT_NUM), "bwd": (False, OPT_NUM), "total": (False, OPT_NUM)}))
#: Derived by jitlab.core.present.breakdown; checked because the views read them as they are.
DEVICE_RECORD = optional(obj({
    "unit": (False, OPT_TEXT), "iterations": (False, OPT_INT), "fwd": (False, SUMMARY), "bwd": (False, SUMMARY),
    "total": (False, SUMMARY), "launches": (False, PHASE_FIGURES), "host_ms": (False, PHASE_FIGURES),
    "busy_share": (False, OPT_NUM),
    "verdict": (False, optional(obj({"kind": (False, OPT_TEXT), "text": (False, OPT_TEXT)}))),
}))
SPEEDUP = optional(obj({"estimate": (False, OPT_NUM), "ci": (False, optional(list_of(OPT_NUM))),
                        "method": (False, OPT_TEXT), "n": (False, OPT_INT)}))
RELIABILITY = optional(obj({"unreliable": (False, optional(boolean)), "causes": (False, TEXTS),
                            "variants": (False, TEXTS), "fix": (False, OPT_TEXT)}, values=scalar))

#: A source line a kernel row came from (jitlab.core.present.lines reads these as numbers).
ORIGIN = obj({"file": (True, text), "line": (True, integer), "share": (True, number)})
KERNEL_ROW = obj({"origins": (False, optional(list_of(ORIGIN)))})
LINES_ABOUT = optional(obj({"source": (False, OPT_TEXT), "split": (False, OPT_TEXT), "file": (False, OPT_TEXT),
                            "mapped_rows": (False, OPT_INT), "rows": (False, OPT_INT)}))


def kernels(value: Any, where: str) -> None:
    """The kernel record: an object (older sessions may hold a list); rows' source lines are checked."""
    if value is None or isinstance(value, list):
        return
    obj({"items": (False, optional(list_of(KERNEL_ROW))), "lines": (False, LINES_ABOUT)})(value, where)

COMPILE_TIME = optional(obj({
    "first_call_ms": (False, OPT_NUM), "named_ms": (False, OPT_NUM), "cache": (False, OPT_TEXT),
    "cache_dir": (False, OPT_TEXT),
    "frames": (False, OPT_INT), "notes": (False, TEXTS), "torch": (False, OPT_TEXT),
    "parts": (False, list_of(obj({"key": (True, text), "label": (False, OPT_TEXT), "ms": (True, number)}))),
    "caches": (False, obj({}, values=obj({}, values=OPT_NUM))),
}))
RECOMPILE = obj({"i": (True, integer), "warmup": (False, optional(boolean)), "reason": (False, OPT_TEXT),
                 "guard": (False, OPT_TEXT), "subject": (False, OPT_TEXT), "compile_id": (False, OPT_TEXT),
                 "function": (False, OPT_TEXT), "file": (False, OPT_TEXT), "line": (False, OPT_INT),
                 "seconds": (False, OPT_NUM), "excluded": (False, optional(list_of(integer)))})
CUDAGRAPHS = optional(obj({
    "mode": (False, OPT_TEXT), "device": (False, OPT_TEXT), "recorded": (False, OPT_INT), "notes": (False, TEXTS),
    "graphs": (False, list_of(obj({"compile_id": (False, OPT_TEXT), "phase": (False, OPT_TEXT),
                                   "used": (False, optional(boolean)), "reason": (False, OPT_TEXT)}))),
    "skips": (False, list_of(obj({"compile_id": (False, OPT_TEXT), "reason": (False, OPT_TEXT)}))),
}))

VARIANT = obj({
    "status": (True, one_of(*STATUSES)),
    "error": (False, ERROR),
    "iterations": (True, iterations),
    "stats": (False, STATS),
    "speedup_vs_eager": (False, OPT_NUM),
    "speedup_ci": (False, optional(list_of(OPT_NUM))),
    "speedup_method": (False, OPT_TEXT),
    "build_ms": (False, OPT_NUM),
    "first_call_ms": (False, OPT_NUM),
    "check": (False, CHECK),
    "warnings": (False, TEXTS),
    "notes": (False, TEXTS),
    "peak_memory_bytes": (False, OPT_NUM),
    "drift": (False, optional(obj({}, values=_scalars_or_lists))),
    "graphs": (False, optional(obj({}))),
    "kernels": (False, kernels),
    "device_samples": (False, list_of(DEVICE_SAMPLE)),
    "device_unit": (False, OPT_TEXT),
    "device": (False, DEVICE_RECORD),
    "speedup_device": (False, SPEEDUP),
    "speedup_host_dependent": (False, optional(boolean)),
    "speedup_unreliable": (False, optional(boolean)),
    "reliability": (False, RELIABILITY),
    "compile_time": (False, COMPILE_TIME),
    "recompiles": (False, list_of(RECOMPILE)),
    "cudagraphs": (False, CUDAGRAPHS),
})
DEVICE = obj({"kind": (False, OPT_TEXT), "id": (False, OPT_TEXT), "name": (False, OPT_TEXT),
              "index": (False, OPT_INT)})
ENV = obj({"device": (False, optional(DEVICE)), "hostname": (False, OPT_TEXT), "cpu_model": (False, OPT_TEXT),
           "torch": (False, OPT_TEXT), "python": (False, OPT_TEXT), "platform": (False, OPT_TEXT)})
SETTINGS = obj({
    "file": (False, OPT_TEXT), "target": (False, OPT_TEXT), "device": (False, OPT_TEXT),
    "variants": (False, optional(TEXTS)), "mode": (False, OPT_TEXT), "iters": (False, OPT_INT),
    "warmup": (False, OPT_INT), "timeout": (False, OPT_NUM), "schedule": (False, OPT_TEXT),
    "budget": (False, OPT_NUM), "precision": (False, OPT_NUM), "block": (False, OPT_INT),
    "seed": (False, OPT_INT), "threads": (False, OPT_INT), "trace_out": (False, OPT_TEXT),
    "compile_dynamic": (False, OPT_TEXT), "compile_fullgraph": (False, optional(boolean)),
    "compile_cache": (False, OPT_TEXT),
})
SCHEDULE = obj({"kind": (False, OPT_TEXT), "block": (False, OPT_INT),
                "rounds": (False, list_of(TEXTS)), "notes": (False, TEXTS)})
SAMPLE = obj({"round": (False, OPT_INT), "variant": (False, OPT_TEXT), "time": (False, OPT_NUM)},
             values=_scalars_or_lists)
SESSION = obj({
    "schema": (True, text),
    "jitlab": (False, OPT_TEXT),
    "created": (False, optional(timestamp)),
    "env": (True, ENV),
    "settings": (True, SETTINGS),
    "schedule": (False, SCHEDULE),
    "variants": (True, obj({})),
    "samples": (False, list_of(SAMPLE)),
    "warnings": (False, TEXTS),
    "reliability": (False, RELIABILITY),
})


def check(data: Any) -> None:
    """Raise :class:`SchemaError` naming the first departure from the schema."""
    SESSION(data, "session")
    for name, variant in data["variants"].items():
        if not VARIANT_NAME.fullmatch(name):
            raise SchemaError(f"variant name {name[:40]!r} is not a lower-case name such as 'script'")
        VARIANT(variant, f"variants.{name}")
