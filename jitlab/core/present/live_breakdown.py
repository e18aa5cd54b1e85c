"""Where the time goes while a run is going: the session's derivations over the figures so far.

:func:`jitlab.core.session.store.finalize` derives ``device``, the device-time speedups and
``reliability`` once the run has ended (:mod:`jitlab.core.present.breakdown`); the app's live
statistics derive the same records from its buffers here, so the breakdown and the table look the
same during a run as after it.
"""

from __future__ import annotations

from typing import Any, Callable

from jitlab.core.present import breakdown as B


def live_device(stats_of: Callable[[str], dict], samples: dict[str, list[dict]], units: dict[str, str | None],
                interleaved: bool) -> dict[str, dict[str, Any]]:
    """``{variant: {"device", "speedup_device", "speedup_host_dependent"}}`` from the rows sampled so far.

    The same derivation as the final session's (:mod:`jitlab.core.present.breakdown`)
    over the current wall-time summaries ``stats_of(variant)``; a few hundred
    rows at most, so cheap enough for the live timer.
    """
    recs: dict[str, dict[str, Any]] = {n: {"device_samples": rows, "device_unit": units.get(n), "stats": stats_of(n)}
                                       for n, rows in samples.items() if rows}
    out: dict[str, dict[str, Any]] = {}
    for n, v in recs.items():
        v["device"] = B.device_summary(v)
        out[n] = {"device": v["device"]}
    base = recs.get("eager")
    for n, v in recs.items():
        if n == "eager" or base is None or not base["device"] or not v["device"]:
            continue
        out[n]["speedup_device"] = B.device_speedup(base, v, interleaved)
        shares = [x["device"]["busy_share"] for x in (base, v) if x["device"]["busy_share"] is not None]
        out[n]["speedup_host_dependent"] = (min(shares) < B.DEVICE_BOUND_SHARE) if shares else None
    return out


#: Live reliability looks at this many of a variant's latest steady iterations at most.
LIVE_RELIABILITY_ITERS = 500


def live_reliability(series: dict[str, Any], samples: list[dict], env: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{variant: {"reliability", "speedup_unreliable"}}`` of a running session, as the final session derives them.

    ``series`` are the model's :class:`~jitlab.core.session.iterations.IterationStore` (their
    CPU time per iteration), ``samples`` the block readings so far (run-queue wait, other
    processes' load).
    """
    blocks: dict[str | None, list[dict]] = {}
    for b in samples:
        blocks.setdefault(b.get("variant"), []).append(b)
    rels = {}
    for name, s in series.items():
        latest = s.measured_positions[-LIVE_RELIABILITY_ITERS:]
        total, cpu = s.total[latest], s.cpu[latest]
        pairs = [(t, c) for t, c in zip(total.tolist(), cpu.tolist()) if c == c]
        rel = B.reliability_of(pairs, blocks.get(name, []), env)
        if rel is not None:
            rels[name] = rel
    eager_bad = bool((rels.get("eager") or {}).get("unreliable"))
    return {n: {"reliability": r, "speedup_unreliable": n != "eager" and (r["unreliable"] or eager_bad)}
            for n, r in rels.items()}
