"""Import a user's module file and call one of its targets.

A module file declares targets as top-level functions named ``target`` or
``target_<name>``; each returns ``(module, inputs)``.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from jitlab.runner.locations import user_location

TARGET_PREFIX = "target_"
DEFAULT_TARGET = "default"

HOW_TO_DECLARE = (
    "Declare a target by adding a top-level function to the file, for example:\n"
    "    def target():\n"
    "        return {cls}(), (torch.randn(8, 16),)\n"
    "It returns the module and its forward inputs (a tensor or a tuple of tensors); "
    "add a `device` parameter to build them on the chosen device yourself."
)


class UserInputError(Exception):
    """Something about the user's file or target that stops every variant.

    ``location`` is ``(file, line)`` where known.
    """

    def __init__(self, message: str, location: tuple[str, int] | None = None, tb: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location
        self.tb = tb


@dataclass
class Target:
    """A called target: the module, its inputs and where it came from."""

    name: str
    module: torch.nn.Module
    inputs: tuple
    is_script_module: bool
    function_line: int | None


def import_file(path: str | os.PathLike) -> ModuleType:
    """Import a module file from its real path, its folder on ``sys.path``."""
    path = Path(path).resolve()
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = path.stem if path.stem.isidentifier() and path.stem not in sys.modules else f"jitlab_user_{abs(hash(path))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UserInputError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    # TorchScript resolves names through sys.modules, so register before running it.
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        where = f"{exc.filename}, line {exc.lineno}"
        text = f"\n    {exc.text.rstrip()}" if exc.text else ""
        raise UserInputError(
            f"{where}: syntax error: {exc.msg}{text}", (exc.filename or str(path), exc.lineno or 0)
        ) from None
    except BaseException as exc:  # noqa: BLE001 - anything the user's file raises
        sys.modules.pop(name, None)
        loc = user_location(exc, path)
        where = f"{loc[0]}, line {loc[1]}" if loc else str(path)
        raise UserInputError(
            f"{where}: importing {path.name} raised {type(exc).__name__}: {exc}",
            loc,
            "".join(traceback.format_exception(exc)),
        ) from None
    return module


def find_targets(module: ModuleType) -> dict[str, Any]:
    """Target functions defined in ``module``, by name (``default`` for ``target``)."""
    found = {}
    for attr, obj in vars(module).items():
        if not inspect.isfunction(obj) or obj.__module__ != module.__name__:
            continue
        if attr == "target":
            found[DEFAULT_TARGET] = obj
        elif attr.startswith(TARGET_PREFIX) and len(attr) > len(TARGET_PREFIX):
            found[attr[len(TARGET_PREFIX):]] = obj
    return found


def module_classes(module: ModuleType) -> list[str]:
    """Names of ``nn.Module`` subclasses defined in ``module``."""
    return [
        name for name, obj in vars(module).items()
        if inspect.isclass(obj) and issubclass(obj, torch.nn.Module) and obj.__module__ == module.__name__
    ]


def describe_targets(module: ModuleType) -> list[dict[str, Any]]:
    """Name, first docstring line and source line of each target."""
    out = []
    for name, fn in find_targets(module).items():
        doc = (inspect.getdoc(fn) or "").strip().splitlines()
        out.append({"name": name, "doc": doc[0] if doc else "", "line": fn.__code__.co_firstlineno})
    return out


def select_target(module: ModuleType, path: Path, requested: str | None) -> tuple[str, Any]:
    """Pick the requested target (or the only/default one)."""
    targets = find_targets(module)
    if not targets:
        classes = module_classes(module)
        found = ", ".join(classes) if classes else "no nn.Module subclasses either"
        raise UserInputError(
            f"{path}: no target found (looked for top-level functions named `target` or `target_<name>`; "
            f"found {found}).\n" + HOW_TO_DECLARE.format(cls=classes[0] if classes else "MyModule")
        )
    if requested:
        key = requested[len(TARGET_PREFIX):] if requested.startswith(TARGET_PREFIX) else requested
        if requested == "target":
            key = DEFAULT_TARGET
        if key not in targets:
            raise UserInputError(f"{path}: no target named {requested!r}; the file has: {', '.join(sorted(targets))}")
        return key, targets[key]
    if DEFAULT_TARGET in targets:
        return DEFAULT_TARGET, targets[DEFAULT_TARGET]
    if len(targets) > 1:
        raise UserInputError(
            f"{path}: several targets and no `target()`; choose one with --target: {', '.join(sorted(targets))}"
        )
    name = next(iter(targets))
    return name, targets[name]


def call_target(module: ModuleType, path: Path, requested: str | None, device: torch.device) -> Target:
    """Call a target and check what it returns."""
    name, fn = select_target(module, path, requested)
    fn_name = fn.__name__
    where = f"{path}, line {fn.__code__.co_firstlineno}"
    try:
        params = inspect.signature(fn).parameters
        result = fn(device=device) if "device" in params else fn()
    except BaseException as exc:  # noqa: BLE001
        loc = user_location(exc, path)
        at = f"{loc[0]}, line {loc[1]}" if loc else where
        raise UserInputError(
            f"{at}: target function {fn_name}() raised {type(exc).__name__}: {exc}",
            loc, "".join(traceback.format_exception(exc)),
        ) from None
    expected = "expected it to return (module, inputs): an nn.Module and a tensor or a tuple of tensors"
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise UserInputError(
            f"{where}: {fn_name}() returned {_describe(result)}; {expected}", (str(path), fn.__code__.co_firstlineno)
        )
    mod, inputs = result
    if not isinstance(mod, torch.nn.Module):
        raise UserInputError(
            f"{where}: {fn_name}() returned {_describe(mod)} as the module; {expected}",
            (str(path), fn.__code__.co_firstlineno),
        )
    if isinstance(inputs, torch.Tensor):
        inputs = (inputs,)
    if not isinstance(inputs, (tuple, list)) or not all(isinstance(t, torch.Tensor) for t in inputs):
        raise UserInputError(
            f"{where}: {fn_name}() returned {_describe(inputs)} as the inputs; {expected}",
            (str(path), fn.__code__.co_firstlineno),
        )
    from jitlab.runner.check import meta_tensors

    on_meta = meta_tensors(mod, inputs)
    if on_meta:  # checked before moving: .to() of a meta module fails with a message about to_empty()
        raise UserInputError(
            f"{where}: {fn_name}() returned tensors on the 'meta' device ({', '.join(on_meta[:4])}"
            f"{', ...' if len(on_meta) > 4 else ''}); meta tensors hold no data, so nothing would really run "
            f"and no time would be {device}'s: build the module and its inputs with real data",
            (str(path), fn.__code__.co_firstlineno))
    if "device" not in params:
        mod = mod.to(device)
        inputs = tuple(t.to(device) for t in inputs)
    return Target(name, mod, tuple(inputs), isinstance(mod, torch.jit.ScriptModule), fn.__code__.co_firstlineno)


def _describe(obj: Any) -> str:
    if isinstance(obj, (tuple, list)):
        inner = ", ".join(type(x).__name__ for x in obj[:4])
        return f"a {type(obj).__name__} of {len(obj)} ({inner})"
    return f"a {type(obj).__name__}"
