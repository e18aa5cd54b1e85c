"""How a run ended, as an exit status: the one rule of ``jitlab run`` and ``jitlab FILE.py --run``."""

from __future__ import annotations

from typing import Any, Mapping

from jitlab.core.session.store import STATUS_NOT_APPLICABLE, STATUS_OK

#: Every requested variant ran (or does not apply to this module).
EXIT_OK = 0
#: Some variant failed, hung or was stopped; the session still holds everything that ran.
EXIT_SOME_FAILED = 1
#: Nothing could run: bad arguments, a missing or broken file, no target, no runner.
EXIT_NOTHING_RAN = 2


def exit_status(session: Mapping[str, Any] | None, fatal: bool = False) -> int:
    """The run's exit status.

    Parameters
    ----------
    session : mapping or None
        The finished session; ``None`` when no run started.
    fatal : bool
        Whether the run ended on an error of its own (the module would not load, no target): it is
        then a run where nothing could run unless some variant still finished.
    """
    if session is None:
        return EXIT_NOTHING_RAN
    statuses = [v["status"] for v in session["variants"].values()]
    if fatal and STATUS_OK not in statuses:
        return EXIT_NOTHING_RAN
    return EXIT_OK if all(s in (STATUS_OK, STATUS_NOT_APPLICABLE) for s in statuses) else EXIT_SOME_FAILED
