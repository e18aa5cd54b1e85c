"""The ``jitlab`` command.

``jitlab run``, ``jitlab show`` and ``jitlab devices`` never import Qt (they
work on GPU servers without PySide6); anything else opens the desktop app.
"""

from __future__ import annotations

import sys

from jitlab import __version__

USAGE = """\
usage: jitlab [FILE.py | SESSION.json] [--run] [--screenshot PNG]   open the desktop app
       jitlab run [FILE.py] [options]       profile headlessly, print a table, write a session
       jitlab show SESSION.json [options]   print a saved session (table, graphs, kernels)
       jitlab devices                       list the devices torch sees
       jitlab --version | --help

examples:
  jitlab                                   empty window with the bundled examples
  jitlab resources/examples/conv2d.py --run    open a module and run it at once
  jitlab run                               the bundled Conv2d example, on CPU or the first GPU
  jitlab run my_layer.py --device cuda:0 --variants eager,script,trace,compile --out s.json
  jitlab show s.json --variant script --what fusion
  jitlab devices

app options: --run, --screenshot PNG (save the window once the run or load finishes, then exit),
  --tab timing|distribution|graphs|kernels|compile|runs, and --variants/--device/--target/--mode/
  --iters/--warmup/--timeout/--stall-timeout/--python to preset the controls for that launch only (they
  are not saved as preferences; `jitlab FILE.py --help` lists them). Without a display the app exits
  with status 2 and says what to do; --screenshot then draws offscreen by itself.
`jitlab run --help` and `jitlab show --help` list every option of those commands.
Exit status: 0 every requested variant ran; 1 some variant failed or timed out;
2 nothing could run (bad arguments, file missing or broken, no target).
"""


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``jitlab`` subcommands; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("-V", "--version"):
        print(f"jitlab {__version__}")
        return 0
    if argv and argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    if argv and argv[0] == "run":
        from jitlab.cli.run import run_main

        return run_main(argv[1:])
    if argv and argv[0] == "show":
        from jitlab.cli.show import show_main

        return show_main(argv[1:])
    if argv and argv[0] == "devices":
        from jitlab.cli.devices import devices_main

        return devices_main(argv[1:])
    return gui_main(argv)


def gui_main(argv: list[str] | None = None) -> int:
    """Open the desktop app (needs PySide6 and pyqtgraph)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        import PySide6  # noqa: F401
        import pyqtgraph  # noqa: F401
    except ImportError as exc:
        print(
            f"jitlab: the desktop app needs PySide6 and pyqtgraph ({exc}).\n"
            "Install them with:  pip install 'jitlab[gui]'\n"
            "Without a display, profile headlessly:  jitlab run FILE.py --out session.json",
            file=sys.stderr,
        )
        return 2
    from jitlab.gui.app import main as app_main

    return app_main(argv)
