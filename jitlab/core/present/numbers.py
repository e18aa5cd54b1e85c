"""Numbers as jitlab prints them: the one place both the command line and the app take them from.

The terminal and the window typeset the same figures differently (``1.61x [1.60-1.62]`` against
``1.61×  [1.60–1.62]``); a :class:`Style` holds only that difference, so that which figure a cell
shows, and when eager is the reference, is decided here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

DASH = "–"


def fmt_ratio(x: float) -> str:
    """A speedup factor: two decimals, or two significant digits below 0.1 (``0.00081``)."""
    return f"{x:.2f}" if abs(x) >= 0.1 or x == 0 else f"{x:.2g}"


def fmt_ms(x: float | None, dash: str = DASH) -> str:
    """Milliseconds with about three significant figures (``dash`` for none)."""
    if x is None:
        return dash
    ax = abs(x)
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    if ax >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def placement_text(env: dict) -> str:
    """``runners on CPU core 15`` when the runners were pinned (``--pin-cpus``), else ``""``."""
    cores = env.get("cpu_affinity") or []
    if not cores:
        return ""
    return f"runners on CPU core{'s' if len(cores) > 1 else ''} {', '.join(str(c) for c in cores)}"


def fmt_share(x: float | None, dash: str = DASH) -> str:
    """A share as a whole percentage."""
    return dash if x is None else f"{x:.0%}"


def host_word(unit: str | None) -> str:
    """``host`` on a GPU, ``overhead`` on a CPU (where there is no separate device to wait for)."""
    return "overhead" if unit == "cpu_ops" else "host"


#: Marks beside a speedup, shared by the table in the terminal and the app.
UNRELIABLE_MARK = "unreliable: busy machine"
HOST_DEPENDENT_MARK = "host-dependent"


def device_word(unit: str | None) -> str:
    """What a variant's ``device`` record measures, in a column header's words."""
    return "ops" if unit == "cpu_ops" else "device"


@dataclass(frozen=True)
class Style:
    """How a cell is typeset.

    Parameters
    ----------
    times : str
        After a ratio (``x`` or ``×``).
    dash : str
        For a figure that is absent.
    range_sep : str
        Between the two ends of a confidence interval.
    gap : str
        Between a ratio and what follows it.
    reference : str
        What eager's own speedup cell says.
    unreliable : str
        A speedup spoiled by a busy machine, from ``{ratio}`` and ``{mark}`` (no CI: a narrow one
        would look trustworthy).
    host_dependent : str
        Appended to an end-to-end speedup where the step is launch-bound (``""``: nothing).
    micro : str
        The prefix of microseconds (``u`` or ``µ``).
    minus : str
        Before a negative change (``-`` or the minus sign).
    """

    times: str
    dash: str
    range_sep: str
    gap: str
    reference: str
    unreliable: str
    host_dependent: str
    micro: str
    minus: str


#: The terminal's tables (``jitlab run``, ``jitlab show``): ASCII only.
PLAIN = Style(times="x", dash="-", range_sep="-", gap=" ", reference="1.00x (ref)",
              unreliable="{ratio}x ({mark})", host_dependent="", micro="u", minus="-")
#: The window's tables.
TYPESET = Style(times="×", dash=DASH, range_sep="–", gap="  ", reference="1.00×  (reference)",
                unreliable="{ratio}× — {mark}", host_dependent=f"  {HOST_DEPENDENT_MARK}", micro="µ", minus="−")


def is_reference(name: str, total: Mapping[str, Any] | None) -> bool:
    """Whether ``name`` is the reference of the speedups: eager, with steady iterations.

    The same condition under which :func:`jitlab.core.session.store.finalize` computes speedups against
    it, whatever its status: a failed or stopped eager that measured some iterations is still what
    the other variants were compared with, and one that measured none is no reference.
    """
    return name == "eager" and bool(total)


def phase_text(stat: Mapping[str, Any] | None, style: Style) -> str:
    """``median (IQR)`` of one phase, e.g. ``7.58 (1.90)``."""
    if not stat:
        return style.dash
    return f"{fmt_ms(stat['median'])} ({fmt_ms(stat['iqr'])})"


def ratio_text(estimate: float, ci: Any, style: Style) -> str:
    """``2.18x [1.09-4.32]`` (or without its CI)."""
    text = f"{fmt_ratio(estimate)}{style.times}"
    if ci:
        text += f"{style.gap}[{fmt_ratio(ci[0])}{style.range_sep}{fmt_ratio(ci[1])}]"
    return text


def speedup_cell(record: Mapping[str, Any], name: str, style: Style,
                 total: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """The end-to-end speedup over eager as a table cell, and its state.

    Parameters
    ----------
    record : mapping
        A variant record of the session.
    name : str
        The variant's name.
    style : Style
    total : mapping, optional
        The variant's steady ``total`` summary where it is newer than ``record["stats"]`` (during
        a run); by default the record's.

    Returns
    -------
    text : str
    state : str
        ``""``, ``"host-dependent"`` or ``"unreliable"``.
    """
    if total is None:
        total = (record.get("stats") or {}).get("total")
    if name == "eager":
        return (style.reference if is_reference(name, total) else style.dash), ""
    sp = record.get("speedup_vs_eager")
    if sp is None or not total:
        return style.dash, ""
    if record.get("speedup_unreliable"):
        return style.unreliable.format(ratio=fmt_ratio(sp), mark=UNRELIABLE_MARK), "unreliable"
    text = ratio_text(sp, record.get("speedup_ci"), style)
    if record.get("speedup_host_dependent"):
        return text + style.host_dependent, "host-dependent"
    return text, ""


def speedup_text(record: Mapping[str, Any], name: str, style: Style,
                 total: Mapping[str, Any] | None = None) -> str:
    """The end-to-end speedup with its CI and no marks (for a legend or a title); as :func:`speedup_cell`
    otherwise."""
    if name == "eager" or record.get("speedup_vs_eager") is None:
        return speedup_cell(record, name, style, total)[0]
    return ratio_text(record["speedup_vs_eager"], record.get("speedup_ci"), style)


def device_speedup_cell(record: Mapping[str, Any], name: str, style: Style) -> tuple[str, str]:
    """The speedup on device time (on a CPU: on time inside operators) and its state (``""`` or
    ``"unreliable"``).

    GPU device time does not move with the host's load, operator time on a busy CPU does: only the
    latter takes the busy-machine mark.
    """
    dev = record.get("device")
    if name == "eager":
        return (style.reference if dev else style.dash), ""
    sp = record.get("speedup_device")
    if not sp or sp.get("estimate") is None:
        return style.dash, ""
    if record.get("speedup_unreliable") and (dev or {}).get("unit") != "device":
        return style.unreliable.format(ratio=fmt_ratio(sp["estimate"]), mark=UNRELIABLE_MARK), "unreliable"
    return ratio_text(sp["estimate"], sp.get("ci"), style), ""
