"""Save the module for deployment: TorchScript files for script and trace, a
``torch.export`` program for the module.

Runs in a runner process (the ``save`` command, after ``load``): the app and
the CLI never import torch. Every file written is loaded back here and run on
the example inputs; its outputs are compared with the eager module's, so a
file that saves but does not reproduce the module says so.

Files in the folder, for a module file ``layer.py`` (target ``target``)::

    layer.script.pt     torch.jit.save(torch.jit.script(module))
    layer.trace.pt      torch.jit.save(torch.jit.trace(module, inputs))
    layer.pt2           torch.export.save(torch.export.export(module, inputs))
    layer.example.pt    torch.save({"inputs": ..., "outputs": ...}): what the check used

A target other than ``target`` adds its name: ``layer-small.pt2``.
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path
from typing import Any, Callable

import torch

from jitlab.runner.check import compare
from jitlab.runner.locations import user_location as locate
from jitlab.runner.variants import captured_warnings

#: What can be saved, in order: (name, suffix, what it is).
KINDS = (
    ("script", ".script.pt", "TorchScript (torch.jit.script)"),
    ("trace", ".trace.pt", "TorchScript (torch.jit.trace)"),
    ("export", ".pt2", "torch.export program"),
)
_DATA_DEPENDENT = ("GuardOnDataDependentSymNode", "data-dependent")


def stem(user_file: Path, target: str | None) -> str:
    """File-name stem of the saved files."""
    name = user_file.stem
    return name if target in (None, "", "target", "default") else f"{name}-{re.sub(r'[^A-Za-z0-9_.-]', '_', target)}"


def save_all(module: torch.nn.Module, inputs: tuple, folder: Path, base: str, user_file: Path,
             kinds: list[str] | None = None) -> dict[str, Any]:
    """Save every kind in ``kinds`` (default: all) under ``folder``; never raises for one kind's failure.

    Returns
    -------
    dict
        ``folder``, ``results`` (one per kind: ``kind``, ``what``, ``ok``,
        ``file``, ``error`` in one line, ``location`` {file, line},
        ``check`` against eager, ``warnings``), ``example``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.manual_seed(0)
        expected = module(*inputs)
    example = folder / f"{base}.example.pt"
    torch.save({"inputs": inputs, "outputs": expected}, example)
    makers: dict[str, Callable[[Path], Any]] = {
        "script": lambda p: _save_jit(torch.jit.script(module), p),
        "trace": lambda p: _save_jit(_trace(module, inputs), p),
        "export": lambda p: _save_export(module, inputs, p),
    }
    loaders: dict[str, Callable[[Path], Callable]] = {
        "script": torch.jit.load, "trace": torch.jit.load, "export": lambda p: torch.export.load(p).module(),
    }
    results = []
    for kind, suffix, what in KINDS:
        if kinds is not None and kind not in kinds:
            continue
        path = folder / f"{base}{suffix}"
        entry: dict[str, Any] = {"kind": kind, "what": what, "ok": False, "file": None, "error": None,
                                 "location": None, "check": None, "warnings": []}
        try:
            with captured_warnings(entry["warnings"]):
                makers[kind](path)
        except Exception as exc:  # noqa: BLE001 - one kind failing leaves the others to try
            path.unlink(missing_ok=True)
            entry["error"], entry["location"] = one_line(kind, exc, user_file)
            entry["traceback"] = "".join(traceback.format_exception(exc))
            results.append(entry)
            continue
        entry["file"] = str(path)
        try:
            loaded = loaders[kind](path)
            with torch.no_grad():
                torch.manual_seed(0)
                got = loaded(*inputs)
            entry["check"] = compare(expected, got)
            entry["ok"] = entry["check"] is None or bool(entry["check"].get("ok"))
            if not entry["ok"]:
                check = entry["check"] or {}
                how = check.get("note") or (f"max abs difference {check['max_abs_err']:.3g}"
                                            if isinstance(check.get("max_abs_err"), (int, float)) else "outputs differ")
                entry["error"] = (f"{path.name} was written, but loaded back it gives different outputs from the "
                                  f"module ({how})")
        except Exception as exc:  # noqa: BLE001
            entry["error"] = f"{path.name} was written, but loading it back failed: {_first_line(exc)}"
        results.append(entry)
    return {"folder": str(folder), "results": results, "example": str(example)}


def _trace(module: torch.nn.Module, inputs: tuple) -> Any:
    with torch.no_grad():
        return torch.jit.trace(module, inputs, check_trace=False, strict=False)


def _save_jit(fn: Any, path: Path) -> None:
    torch.jit.save(fn, str(path))


def _save_export(module: torch.nn.Module, inputs: tuple, path: Path) -> None:
    program = torch.export.export(module, tuple(inputs))
    torch.export.save(program, str(path))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def one_line(kind: str, exc: BaseException, user_file: Path) -> tuple[str, dict[str, Any] | None]:
    """A failure in one line, naming the user's file and line where the error knows it."""
    loc = locate(exc, user_file)
    where = ""
    code = ""
    if loc:
        where = f" at {Path(loc[0]).name}:{loc[1]}"
        try:
            code = Path(loc[0]).read_text(encoding="utf-8", errors="replace").splitlines()[loc[1] - 1].strip()
        except (OSError, IndexError):
            code = ""
        code = f" (`{code.split('  #')[0].strip()}`)" if code else ""
    text = f"{type(exc).__name__} {str(exc)}"
    if kind == "export" and any(k in text for k in _DATA_DEPENDENT):
        message = (f"torch.export failed{where}{code}: data-dependent control flow, a branch on a tensor's value, "
                   "cannot be exported (rewrite it with torch.cond, or branch on shapes)")
    elif kind == "script":
        message = f"torch.jit.script failed{where}{code}: {_first_line(exc)}"
    else:
        name = "torch.export" if kind == "export" else "torch.jit.trace"
        message = f"{name} failed{where}{code}: {_first_line(exc)}"
    return message, ({"file": loc[0], "line": loc[1]} if loc else None)
