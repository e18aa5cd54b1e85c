"""Where jitlab's plain-file resources are: examples, icons, stylesheets.

Installed, they are the package ``jitlab.resources`` (the top-level
``resources/`` folder, mapped into the wheel); from a source checkout they are
read from that folder directly.
"""

from __future__ import annotations

from importlib import resources as _ir
from pathlib import Path

EXAMPLES = ("conv2d", "lstm", "gated")


def resource_root() -> Path:
    """The folder holding ``examples/``, ``icons/``, ``styles/``, ``linux/``."""
    try:
        root = Path(str(_ir.files("jitlab.resources")))
        if (root / "examples").is_dir():
            return root
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resource_root().joinpath(*parts)


def example_path(name: str) -> Path:
    """Path of a bundled example module (``conv2d``, ``lstm`` or ``gated``)."""
    return resource_path("examples", f"{name}.py")


def examples() -> dict[str, Path]:
    return {name: example_path(name) for name in EXAMPLES}
