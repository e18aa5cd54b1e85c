"""Why a view has nothing to show for a variant: the sentences ``jitlab show`` and the app's panes
print, in one place.

The terminal prints a block (one reason a line, the variant's notes after it); a pane prints one
line of reasons joined by ``;``. Both start from the same facts: a variant that did not run to an
end has its status and error to say, one that ran but recorded nothing was not introspected.
"""

from __future__ import annotations

from typing import Any, Mapping

#: Why a variant that ran has no graphs or kernels at all.
NOT_INTROSPECTED = "nothing was introspected (the run used --no-introspect, or the variant ended early)"
#: Eager has no graph by nature.
EAGER_HAS_NO_GRAPH = "eager runs op by op: there is no graph to show (its kernels are in the Kernels tab)"


def ran(rec: Mapping[str, Any]) -> bool:
    """Whether the variant ran to an end of its own or was stopped (so its record may hold texts)."""
    return rec.get("status") in ("ok", "stopped")


def status_reason(rec: Mapping[str, Any], who: str, first_line: bool = False) -> str:
    """``script is failed: <message>``: the variant's status and its error message."""
    err = (rec.get("error") or {}).get("message")
    if err and first_line:
        err = err.splitlines()[0]
    return f"{who} is {rec.get('status')}" + (f": {err}" if err else "")


def stopped_early(variant: str) -> str:
    return (f"the run was stopped before {variant}'s graphs and kernels were recorded (jitlab records "
            "them once a variant's measured iterations are done); run to the end, or with fewer "
            "iterations, to see them")


def absent_note(rec: Mapping[str, Any], variant: str, what: str) -> str:
    """Why ``what`` is missing for a variant, in one line (a pane's note)."""
    why = []
    status = rec.get("status")
    if not ran(rec):
        why.append(status_reason(rec, variant, first_line=True))
    elif rec.get("graphs") is None and variant == "eager":
        why.append(EAGER_HAS_NO_GRAPH)
    elif rec.get("graphs") is None and status == "stopped":
        why.append(stopped_early(variant))
    elif rec.get("graphs") is None:
        why.append(NOT_INTROSPECTED)
    else:
        why.append(f"no {what} was recorded")
    why += list(rec.get("notes") or [])
    return "; ".join(why)


def absent_block(rec: Mapping[str, Any], variant: str, what: str) -> str:
    """Why ``what`` is missing for a variant, as ``jitlab show`` prints it: a line, then the reasons."""
    why = []
    if not ran(rec):
        why.append(status_reason(rec, "the variant"))
    elif rec.get("graphs") is None and rec.get("kernels") is None:
        why.append(NOT_INTROSPECTED)
    why += [f"note: {n}" for n in rec.get("notes", [])]
    return "\n".join([f"{variant}: no {what} recorded"] + [f"  {w}" for w in why])


def fusion_notes(rec: Mapping[str, Any]) -> str:
    """The variant's notes about fusion (why a fuser did not run or fused nothing), joined."""
    return "; ".join(n for n in rec.get("notes") or [] if "fus" in n.lower())
