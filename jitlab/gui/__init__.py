"""The desktop app: Qt views over the session model, driving runner processes.

This package imports Qt, pyqtgraph, numpy and psutil, and never torch: every
piece of torch work (device listing included) happens in a runner process
started through :mod:`jitlab.gui.process.runner_process`.

Layout
------
``series``, ``run_model``
    Growing numpy buffers and the Qt-signalling model of one session.
``runner_process``, ``runner_pool``, ``run_controller``, ``resources_monitor``
    ``QProcess`` wrappers, the pool of pre-started idle runners and the probe,
    the controller that feeds the sans-IO conductor, and the psutil poller.
``qt_*``
    Views; each takes its model in ``__init__`` and subscribes there.
``export``, ``paths``, ``colors``, ``app``
    Atomic file writes, QSettings and data folder, the variant palette, and
    the ``jitlab`` entry point.
"""

from jitlab.gui._compat import make_singletons_immortal as _make_singletons_immortal

_make_singletons_immortal()
