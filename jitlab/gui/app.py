"""``jitlab [FILE.py | SESSION.json] [--run] [--screenshot PNG]``: the desktop app."""

from __future__ import annotations

import argparse
import signal
import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from jitlab import __version__
from jitlab.core.session.types import error_record
from jitlab.core.settings import InputError, make_settings
from jitlab.gui.common import paths
from jitlab.gui.common.export import export_png
from jitlab.gui import heap
from jitlab.gui.display import check_display
from jitlab.host import stop_signals

#: Settle time before the screenshot, so the last redraw timers have fired.
SCREENSHOT_SETTLE_MS = 600


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="jitlab",
        description="Open the jitlab desktop app: profile a PyTorch module as eager, scripted, traced and "
                    "compiled variants and watch their timings live.",
        epilog="`jitlab run --help` profiles headlessly (no display needed).",
    )
    p.add_argument("file", nargs="?", help="a module file (.py) to open, or a saved session (.json) to view")
    p.add_argument("--run", action="store_true", help="start a run of FILE.py at once")
    p.add_argument("--screenshot", metavar="PNG",
                   help="once the run (or the file's loading) has finished, save a grab of the window to PNG and "
                        "quit with the run's exit status (works with QT_QPA_PLATFORM=offscreen)")
    p.add_argument("--tab", choices=TABS, default="timing",
                   help="tab to show (for --screenshot): timing, distribution, graphs, kernels, compile or runs")
    p.add_argument("--variants", help="comma-separated variants to check (eager,script,trace,compile, compile:<mode>)")
    p.add_argument("--device", help="device to select (cpu, cuda:0, ...)")
    p.add_argument("--target", help="target to select")
    p.add_argument("--mode", choices=("train", "infer"))
    p.add_argument("--iters", type=int, help="measured iterations per variant")
    p.add_argument("--warmup", type=int, help="warm-up iterations")
    p.add_argument("--timeout", type=float, help="seconds of work a variant may take")
    p.add_argument("--stall-timeout", type=float, metavar="S",
                   help="seconds without progress after which a variant is reported as hung and stopped (0: never)")
    p.add_argument("--python", help="interpreter with torch for the runners (default: $JITLAB_PYTHON or this one)")
    p.add_argument("--version", action="version", version=f"jitlab {__version__}")
    return p


TABS = ("timing", "distribution", "graphs", "kernels", "compile", "runs")


def show_tab(window, name: str) -> None:
    """Bring one of the window's views to the front."""
    main = {"timing": window.timing_tab, "distribution": window.distribution, "runs": window.runs}
    if name in main:
        window.tabs.setCurrentWidget(main[name])
        return
    window.tabs.setCurrentWidget(window.inside)
    inner = {"graphs": window.inside.graphs, "kernels": window.inside.kernels, "compile": window.inside.compile}
    window.inside.tabs.setCurrentWidget(inner[name])


class _Screenshot(QObject):
    """Grab the window once it has settled after the run or load, then quit with ``status()``."""

    def __init__(self, window, path: str, app: QApplication, tab: str = "timing") -> None:
        super().__init__(window)
        self.window, self.path, self.app, self.tab = window, path, app, tab
        self.status = 0
        self._done = False

    def after(self, status: int) -> None:
        if self._done:
            return
        self._done = True
        self.status = status
        show_tab(self.window, self.tab)
        QTimer.singleShot(SCREENSHOT_SETTLE_MS, self._grab)

    def _grab(self) -> None:
        try:
            self.window.timing.redraw()
            self.window.stats.refresh()
            self.window.progress.update_all()
            export_png(self.window, self.path, overwrite=True)
            print(f"jitlab: screenshot saved to {self.path}", file=sys.stderr)
        except Exception as exc:  # noqa: BLE001 - whatever happens, quit: a screenshot run must never hang
            print(f"jitlab: cannot save the screenshot: {exc}", file=sys.stderr)
            self.status = 2
        finally:
            self.window.close()
            QTimer.singleShot(0, self._quit_when_closed)

    def _quit_when_closed(self) -> None:
        if self.window.isVisible():
            QTimer.singleShot(20, self._quit_when_closed)
            return
        self.app.exit(self.status)


def set_application_icon(app: QApplication) -> None:
    """The window icon from the plain PNG files, and the desktop entry's name
    so that desktops match windows to ``jitlab.desktop``."""
    from PySide6.QtGui import QIcon

    from jitlab.assets import resource_path

    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        png = resource_path("icons", f"jitlab-{size}.png")
        if png.exists():
            icon.addFile(str(png))
    app.setWindowIcon(icon)
    app.setDesktopFileName("jitlab")


#: Python runs signal handlers only between bytecodes; the Qt event loop gives it a turn this often.
SIGNAL_POLL_MS = 200
#: A run still going this long after a stop signal is abandoned (runners killed, session saved as it is).
SIGNAL_STOP_GRACE_MS = 8000


def stop_on_signals(app: QApplication, window) -> None:
    """The stop signals (SIGINT, SIGTERM, SIGHUP) end the app as closing its window does.

    A running run is stopped politely and auto-saved first.
    """
    poll = QTimer(app)
    poll.timeout.connect(lambda: None)
    poll.start(SIGNAL_POLL_MS)

    def close_when_saved(_session=None) -> None:
        QTimer.singleShot(0, window.close)

    def on_signal(signum, frame) -> None:
        name = signal.Signals(signum).name
        print(f"jitlab: {name}: stopping the run and saving what was measured", file=sys.stderr)
        bench = window.bench
        if bench.running:
            bench.sig_run_finished.connect(close_when_saved)
            bench.stop()
            QTimer.singleShot(SIGNAL_STOP_GRACE_MS, lambda: bench.controller.abandon(f"the app received {name}"))
        else:
            close_when_saved()
        app.setQuitOnLastWindowClosed(True)

    stop_signals.install(on_signal)


#: Run settings the app's command line can preset; they apply to that launch only.
OVERRIDE_KEYS = ("variants", "device", "target", "mode", "iters", "warmup", "timeout", "stall_timeout")


def main(argv: list[str] | None = None) -> int:
    """Run the desktop app; returns the exit status."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.run and not args.file:
        print("jitlab: --run needs a module file (jitlab FILE.py --run)", file=sys.stderr)
        return 2
    overrides = {k: getattr(args, k) for k in OVERRIDE_KEYS}
    try:  # the same limits as `jitlab run` (a spin box cannot even hold --iters 99999999999)
        make_settings(**{k: v for k, v in overrides.items() if v is not None and k not in ("device", "target")})
    except InputError as exc:
        print(f"jitlab: {exc}", file=sys.stderr)
        return 2
    if QApplication.instance() is None:
        platform, error = check_display(screenshot=bool(args.screenshot), file=args.file)
        if error:
            print(error, file=sys.stderr)
            return 2
        if platform:
            os.environ["QT_QPA_PLATFORM"] = platform
            print("jitlab: no usable display; drawing the window offscreen for the screenshot", file=sys.stderr)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    paths.set_application_names()
    set_application_icon(app)
    from jitlab.gui.qt_main_window import MainWindow  # after the application exists

    window = MainWindow(python=args.python)
    stop_on_signals(app, window)
    overrides = {k: getattr(args, k) for k in OVERRIDE_KEYS if getattr(args, k) is not None}
    window.launch_overrides = set(overrides)  # not saved as preferences: they apply to this launch only
    window.controls.apply(overrides)
    window.controls.explicit_device = args.device
    window.controls.explicit_target = args.target
    if args.variants:
        window.bench.pool_size = len(window.controls.checked_variants())
    if args.screenshot:
        window.resize(1400, 900)  # a fixed, readable size for documentation images
    window.show()
    heap.settle()

    shot = _Screenshot(window, args.screenshot, app, args.tab) if args.screenshot else None
    show_tab(window, args.tab)
    if shot:
        app.setQuitOnLastWindowClosed(False)  # quit with the run's status once the window has closed
    if args.file:
        path = Path(args.file)
        if not path.exists():
            window.banner.show_error(error_record(f"{path}: no such file"))
            window.stack.setCurrentIndex(1)
            if shot:
                shot.after(2)
        elif path.suffix.lower() == ".json":
            ok = window.open_path(path)
            if shot:
                shot.after(0 if ok else 2)
        else:
            ok = window.open_path(path)
            if args.target is not None:  # opening the file reset the target box
                window.controls.apply({"target": args.target})
            if args.run and ok:
                _run_when_probed(window, shot)
            elif shot and ok:
                window.bench.sig_probed.connect(lambda _m: shot.after(0))
                window.bench.sig_module_error.connect(lambda _e: shot.after(2))
            elif shot:
                shot.after(2)
            if args.run and not ok and shot is None:
                print(f"jitlab: {window.bench.module_error['message']}", file=sys.stderr)
    elif shot:
        shot.after(0)
    return app.exec()


def _run_when_probed(window, shot: _Screenshot | None) -> None:
    """Start the run once the probe has filled the target box (the run uses the target it shows).

    A module that fails to load is still run: each variant then reports the
    error where the user looks for it.
    """
    started = []

    def start_run(*_args) -> None:
        if started:
            return
        started.append(True)
        window.run()
        if shot and not window.bench.running:
            shot.after(2)  # the run could not start; the banner says why

    if shot:
        window.bench.sig_run_finished.connect(lambda _s: shot.after(window.bench.exit_status()))
    window.bench.sig_probed.connect(start_run)
    window.bench.sig_module_error.connect(start_run)
