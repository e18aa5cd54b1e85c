"""Plain words for what a run's raw figures and messages mean, shared by the app and ``jitlab run``."""

from __future__ import annotations

from typing import Any

from jitlab.core.session import iterations

#: A warm-up this much longer than asked for is worth a note.
LONG_WARMUP_FACTOR = 3
LONG_WARMUP_MIN = 20

INTERNAL_ASSERT = "INTERNAL ASSERT FAILED"
INTERNAL_ASSERT_HINT = ("PyTorch stopped on one of its own internal consistency checks ('INTERNAL ASSERT FAILED'): "
                        "a limitation or bug inside PyTorch for this module, not a mistake in your code; the "
                        "variant cannot use this feature here. Details: ")


def explain(text: str) -> str:
    """``text`` with a plain explanation in front of torch's jargon (``INTERNAL ASSERT FAILED``)."""
    if INTERNAL_ASSERT in text and not text.startswith(INTERNAL_ASSERT_HINT[:40]):
        return INTERNAL_ASSERT_HINT + text
    return text


def _rel(c: dict[str, Any]) -> float | None:
    rel = c.get("max_rel_err")
    return rel if rel is not None else c.get("max_abs_err")


def check_text(c: dict[str, Any] | None, name: str = "", status: str = "ok", short: bool = False) -> str:
    """The correctness check in words: ``matches eager (rel. err. 2.4e-07)``, the largest relative error.

    ``short`` leaves out "eager" (for a column headed "check vs eager").
    """
    text = _check_text(c, name, status)
    return text.replace("DIFFERS from eager", "DIFFERS").replace("matches eager", "matches") if short else text


def _check_text(c: dict[str, Any] | None, name: str, status: str) -> str:
    if name == "eager":
        return "reference" if status in ("ok", "stopped") else ""
    if not c:
        return ""
    if c.get("nonfinite"):
        return f"NaN/Inf in {c['nonfinite']} value(s)"
    if c.get("max_abs_err") is None:
        return "MISMATCH: " + (c.get("note") or "outputs differ in number or shape")
    rel = _rel(c)
    err = "0" if not rel else f"{rel:.1e}"
    second = c.get("second_input") or {}
    if c.get("ok") and second.get("ok") is False:
        return f"matches eager on the example (rel. err. {err}), DIFFERS on new inputs"
    if c.get("ok"):
        return f"matches eager (rel. err. {err})" + (" under the same seed" if c.get("random") else "")
    if c.get("random"):
        return f"differs under the same seed (rel. err. {err}): the module is random, see the notes"
    return f"DIFFERS from eager (rel. err. {err})"


def measured_counts(session: dict[str, Any]) -> dict[str, int]:
    return {name: iterations.of(v).measured_count for name, v in (session.get("variants") or {}).items()}


def iterations_text(session: dict[str, Any]) -> str:
    """``100 iterations`` as asked, or what was measured when a budget, precision or Stop cut the run short."""
    st = session.get("settings") or {}
    asked = st.get("iters")
    counts = [n for n in measured_counts(session).values() if n]
    if not counts or max(counts) >= (asked or 0):
        return f"{asked} iterations"
    lo, hi = min(counts), max(counts)
    got = f"{lo}" if lo == hi else f"{lo}-{hi}"
    why = ("stopped" if st.get("stopped") else "time budget" if st.get("budget")
           else "precision reached" if st.get("precision") else "cut short")
    return f"{got} of {asked} iterations measured ({why})"


def leading_warmup(iterations: list[dict[str, Any]]) -> int:
    n = 0
    for it in iterations:
        if not it.get("warmup"):
            break
        n += 1
    return n


def warmup_notes(session: dict[str, Any]) -> list[str]:
    """A note for each variant whose warm-up ran much longer than asked (its times took that long to settle)."""
    asked = int((session.get("settings") or {}).get("warmup") or 0)
    notes = []
    for name, v in (session.get("variants") or {}).items():
        n = leading_warmup(v.get("iterations") or [])
        if n >= max(LONG_WARMUP_MIN, LONG_WARMUP_FACTOR * asked):
            notes.append(f"{name}: warmed up for {n} iterations ({asked} asked for): its times took that long to "
                         "settle, and none of them is in the statistics")
    return notes
