"""The main window's actions and menus."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from jitlab import assets

if TYPE_CHECKING:  # pragma: no cover
    from jitlab.gui.qt_main_window import MainWindow


class ActionIds:
    """Names of the window's actions (keys of ``MainWindow.actions``)."""

    Open = "open"
    OpenSession = "open_session"
    Save = "save_session"
    SaveVariant = "save_variant"
    ExportTimingPng = "export_timing_png"
    ExportTimingSvg = "export_timing_svg"
    ExportDistributionPng = "export_distribution_png"
    ExportDistributionSvg = "export_distribution_svg"
    ExportCsv = "export_csv"
    Quit = "quit"
    Run = "run"
    Stop = "stop"
    LogY = "log_y"
    ClearRecent = "clear_recent"
    RunnerPython = "runner_python"
    UserGuide = "user_guide"
    About = "about"


def build_menus(window: "MainWindow") -> dict[str, QAction]:
    """Create the menu bar of ``window``; returns its actions by id."""
    actions: dict[str, QAction] = {}

    def act(key: str, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        a = QAction(text, window)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        if tip:
            a.setStatusTip(tip)
        a.triggered.connect(slot)
        actions[key] = a
        return a

    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(act(ActionIds.Open, "&Open…", window.choose_and_open, QKeySequence.StandardKey.Open,
                            "Open a module file (.py) or a saved session (.json)"))
    window.recent_menu = file_menu.addMenu("Open &Recent")
    examples = file_menu.addMenu("&Examples")
    for name, path in assets.examples().items():
        a = QAction(f"{name}.py", window)
        a.triggered.connect(lambda _=False, p=str(path): window.open_path(p))
        examples.addAction(a)
    file_menu.addSeparator()
    file_menu.addAction(act(ActionIds.Save, "&Save Session…", window.choose_and_save_session,
                            QKeySequence.StandardKey.Save, "Save the session (JSON)"))
    file_menu.addAction(act(ActionIds.SaveVariant, "Save &Variant…", window.choose_and_save_variant,
                            tip="Save the module for deployment: TorchScript files of script and trace (torch.jit.save) "
                                "and a torch.export program (.pt2), written by a runner and loaded back to check"))
    export = file_menu.addMenu("&Export")
    export.addAction(act(ActionIds.ExportTimingPng, "Timing chart as PNG…",
                         lambda: window.choose_and_export_chart("timing", "png")))
    export.addAction(act(ActionIds.ExportTimingSvg, "Timing chart as SVG…",
                         lambda: window.choose_and_export_chart("timing", "svg")))
    export.addAction(act(ActionIds.ExportDistributionPng, "Distribution chart as PNG…",
                         lambda: window.choose_and_export_chart("distribution", "png")))
    export.addAction(act(ActionIds.ExportDistributionSvg, "Distribution chart as SVG…",
                         lambda: window.choose_and_export_chart("distribution", "svg")))
    export.addSeparator()
    export.addAction(act(ActionIds.ExportCsv, "Iterations as CSV…", window.choose_and_export_csv))
    file_menu.addSeparator()
    file_menu.addAction(act(ActionIds.Quit, "&Quit", window.close, QKeySequence.StandardKey.Quit))

    run_menu = bar.addMenu("&Run")
    run_menu.addAction(act(ActionIds.Run, "&Run", window.run, "Ctrl+R", "Run the checked variants"))
    run_menu.addAction(act(ActionIds.Stop, "&Stop", window.stop, "Ctrl+.", "Stop, keeping the measured iterations"))
    run_menu.addSeparator()
    run_menu.addAction(act(ActionIds.RunnerPython, "Runner &Interpreter…", window.choose_runner_python,
                           tip="The Python (with torch) the variants run in, e.g. your own virtual environment"))

    view_menu = bar.addMenu("&View")
    log_y = act(ActionIds.LogY, "&Log Scale (timing)", window.timing.set_log_y, "Ctrl+L")
    log_y.setCheckable(True)
    window.timing.log_y.toggled.connect(log_y.setChecked)
    view_menu.addAction(log_y)

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(act(ActionIds.UserGuide, "&User Guide", window.show_user_guide, QKeySequence.StandardKey.HelpContents))
    help_menu.addAction(act(ActionIds.About, "&About jitlab", window.show_about,
                            tip="Versions of jitlab, Qt, the runners' Python and torch"))

    actions[ActionIds.ClearRecent] = QAction("Clear Recent", window)
    actions[ActionIds.ClearRecent].triggered.connect(window.clear_recent)
    return actions
