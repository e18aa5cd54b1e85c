"""Whether the desktop app can open a window here, checked before Qt is asked to.

Without a display Qt's xcb plugin aborts the process (SIGABRT) with a message
about plugins; jitlab says what to do instead. The checks read only the
environment and the shared-library cache: no Qt object is created.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from typing import Callable, Mapping

#: Libraries Qt 6's xcb platform plugin loads, and the Debian/Ubuntu package of each.
XCB_LIBRARIES: dict[str, str] = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}
#: Platforms that need no display server.
HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb")

NO_DISPLAY = ("jitlab: no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset). "
              "Profile headlessly with `jitlab run {file}`, or save a picture of the window with "
              "`QT_QPA_PLATFORM=offscreen jitlab {file} --run --screenshot run.png`.")
MISSING_LIBS = ("jitlab: Qt cannot open a window on this display: the system lacks {libs}. "
                "Install them with `sudo apt-get install {packages}` (Debian/Ubuntu), "
                "or profile headlessly with `jitlab run {file}`.")


def platform_name(env: Mapping[str, str]) -> str:
    """The Qt platform plugin that will be used (``QT_QPA_PLATFORM``, else the desktop's default)."""
    name = (env.get("QT_QPA_PLATFORM") or "").split(":", 1)[0].strip().lower()
    if name:
        return name
    if sys.platform.startswith("linux"):
        return "wayland" if env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY") else "xcb"
    return "native"


def missing_xcb_libraries(find: Callable[[str], str | None] = ctypes.util.find_library) -> list[str]:
    """Debian packages of the xcb plugin's libraries that are not installed.

    Empty when the library lookup itself does not work here (no ``ldconfig``):
    a check that cannot see must not stop the app.
    """
    if find("c") is None:
        return []
    return [package for lib, package in XCB_LIBRARIES.items() if find(lib) is None]


def check_display(env: Mapping[str, str] | None = None, screenshot: bool = False, file: str | None = None,
                  find: Callable[[str], str | None] = ctypes.util.find_library) -> tuple[str | None, str | None]:
    """Decide whether the app can start.

    Parameters
    ----------
    env : mapping, optional
        The environment (default: ``os.environ``).
    screenshot : bool
        The launch only saves a picture of the window (``--screenshot``): it
        can then run offscreen when there is no display.
    file : str, optional
        The module named on the command line, quoted in the advice.
    find : callable
        Shared-library lookup (``ctypes.util.find_library``).

    Returns
    -------
    (platform, error) : tuple
        ``platform`` is a ``QT_QPA_PLATFORM`` value to set before creating the
        application (or None); ``error`` is the one line to print before
        exiting with status 2 (or None).
    """
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux"):
        return None, None
    shown = file or "FILE.py"
    name = platform_name(env)
    if name in HEADLESS_PLATFORMS:
        return None, None
    has_display = bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
    if not has_display:
        if screenshot:
            return "offscreen", None
        return None, NO_DISPLAY.format(file=shown)
    if name == "xcb" and env.get("DISPLAY"):
        missing = missing_xcb_libraries(find)
        if missing:
            if screenshot:
                return "offscreen", None
            libs = ", ".join(f"lib{lib}" for lib in XCB_LIBRARIES if XCB_LIBRARIES[lib] in missing)
            return None, MISSING_LIBS.format(libs=libs, packages=" ".join(missing), file=shown)
    return None, None
