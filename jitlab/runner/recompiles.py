"""Recompiles of a compile variant during warm-up and measurement, at the
iteration where they happened, with the failed guard in plain words.

Dynamo counts every frame it compiles (``counters["frames"]["total"]``); the
harness calls the watch after each step, which costs a dictionary lookup when
nothing compiled. When the count moved, the new compilation records give the
reason (``recompile_reason``, or ``guard_failures`` on a torch without it) and
the guard's subject is read back from the live module, so that the sentence
says what the attribute became.
"""

from __future__ import annotations

import inspect
import re
from typing import Any, Callable

import torch

from jitlab.core import guards
from jitlab.core import protocol as P

_INDEX = re.compile(r"\[(\d+|'[^']*')\]")


def _frames_compiled() -> int:
    from torch._dynamo.utils import counters

    return int(counters.get("frames", {}).get("total", 0))


def _records() -> list[Any]:
    from torch._dynamo.utils import get_compilation_metrics

    return list(get_compilation_metrics())


def self_name(module: torch.nn.Module) -> str | None:
    """The name the module's ``forward`` gives its own first parameter."""
    try:
        code = type(module).forward.__code__
        return code.co_varnames[0] if code.co_argcount else None
    except (AttributeError, IndexError):
        return None


def reader(module: torch.nn.Module, inputs: tuple) -> Callable[[str], Any]:
    """``read("self.scale")`` -> the module's current value; plain attribute and index steps only."""
    names = {"self": module}
    try:
        params = list(inspect.signature(type(module).forward).parameters)[1:]
        names.update(zip(params, inputs))
    except (TypeError, ValueError):
        pass

    def read(subject: str) -> Any:
        head, _, rest = subject.partition(".")
        root, *indices = _INDEX.split(head)
        obj = names[root]
        for part in indices:
            if part:
                obj = obj[int(part)] if part.isdigit() else obj[part.strip("'")]
        for attr in filter(None, rest.split(".")):
            attr, *indices = _INDEX.split(attr)
            obj = getattr(obj, attr)
            for part in indices:
                if part:
                    obj = obj[int(part)] if part.isdigit() else obj[part.strip("'")]
        if isinstance(obj, torch.Tensor):
            return f"a tensor of shape {tuple(obj.shape)}"
        return obj
    return read


class Watch:
    """Called with each iteration's index; sends a ``recompiled`` message when Dynamo compiled again."""

    def __init__(self, module: torch.nn.Module, inputs: tuple, send: Callable[[dict], None]) -> None:
        self.send = send
        self.available = True
        self.error: str | None = None
        self.found: list[dict[str, Any]] = []
        self._read = reader(module, inputs)
        self._self = self_name(module)
        try:
            self._frames = _frames_compiled()
            self._seen = {id(m) for m in _records()}
        except Exception as exc:  # noqa: BLE001 - an older torch: said once, never raised into the loop
            self.available = False
            self.error = f"recompiles cannot be watched on torch {torch.__version__} ({type(exc).__name__}: {exc})"

    def __call__(self, index: int, warmup: bool) -> None:
        if not self.available:
            return
        frames = _frames_compiled()
        if frames == self._frames:
            return
        self._frames = frames
        try:
            new = [m for m in _records() if id(m) not in self._seen]
        except Exception:  # noqa: BLE001
            new = []
        self._seen.update(id(m) for m in new)
        frames_new = [m for m in new if getattr(m, "is_forward", True) is not False
                      and not getattr(m, "is_runtime", False)]
        for m in frames_new or [None]:
            self._report(index, warmup, m)

    def _report(self, index: int, warmup: bool, m: Any) -> None:
        raw = getattr(m, "recompile_reason", None) if m is not None else None
        compile_id = str(getattr(m, "compile_id", "") or "")
        first_of_frame = bool(re.search(r"\d+/0\b", compile_id)) and raw is None
        if raw is None and not first_of_frame:
            raw = _guard_failure_fallback()
        plain = guards.describe(raw, self._read, self._self)
        if first_of_frame:
            # Not a guard failure: code Dynamo had not met before (a branch first taken here).
            plain["text"] = (f"Dynamo compiled a frame first reached at this iteration "
                             f"({getattr(m, 'co_name', None) or 'unknown function'})")
        elif raw is None:
            plain["text"] = (f"Dynamo compiled again; the failed guard is not available on torch "
                             f"{torch.__version__}")
        seconds = getattr(m, "entire_frame_compile_time_s", None) if m is not None else None
        msg = {
            "t": P.RECOMPILED, "i": index, "warmup": warmup,
            "compile_id": str(getattr(m, "compile_id", "") or "") or None,
            "function": getattr(m, "co_name", None), "file": getattr(m, "co_filename", None),
            "line": getattr(m, "co_firstlineno", None),
            "reason": plain["text"], "guard": plain["guard"] or None, "subject": plain["subject"],
            "seconds": seconds if isinstance(seconds, (int, float)) else None,
        }
        self.found.append(msg)
        self.send(msg)


def _guard_failure_fallback() -> str | None:
    """The last failed guard from ``torch._dynamo.utils.guard_failures`` (older releases)."""
    try:
        from torch._dynamo.utils import guard_failures

        for reasons in reversed(list(guard_failures.values())):
            if reasons:
                return str(reasons[-1])
    except Exception:  # noqa: BLE001
        return None
    return None
