"""Entry point of the frozen app: the ``jitlab`` command, opening the window by default.

The same binary answers ``jitlab run``, ``jitlab show`` and ``jitlab devices``;
their runners are started with the interpreter named by ``JITLAB_PYTHON``
(see ``rthooks/pyi_rth_jitlab.py`` for its default).
"""

import multiprocessing
import sys

from jitlab.cli import main

if __name__ == "__main__":
    # Without this a library that starts a multiprocessing child would re-run the app.
    multiprocessing.freeze_support()
    sys.exit(main())
