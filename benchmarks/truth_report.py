"""Summaries and the markdown table of ``benchmarks/gpu_truth.py``'s results.

Pure functions over the result dictionary, so the table can be re-rendered
from a committed JSON file::

    python benchmarks/truth_report.py benchmarks/results/<gpu>-<date>.json
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

import benchlib as B

#: jitlab's median must be within this fraction of each reference.
AGREEMENT = 0.05


def kernel_summary(record: dict) -> dict[str, Any] | None:
    """Per-iteration kernel totals and the number of compiler-made groups.

    Reads ``variants.<v>.kernels.totals`` and, for the group count,
    ``graphs.fusion_groups`` (script/trace) or ``graphs.kernel_names``
    (compile). ``None`` when the session has no kernel record.
    """
    kernels = record.get("kernels")
    if not isinstance(kernels, dict) or not isinstance(kernels.get("totals"), dict):
        return None
    totals = kernels["totals"]
    graphs = record.get("graphs") if isinstance(record.get("graphs"), dict) else {}
    groups = graphs.get("fusion_groups")
    if groups is None:
        groups = graphs.get("kernel_names")
    return {
        "launches": totals.get("launches"), "distinct": totals.get("distinct"),
        "fused_launches": totals.get("fused_launches"), "device_time_us": totals.get("device_time_us"),
        "unit": kernels.get("unit"), "groups": len(groups) if isinstance(groups, (list, dict)) else None,
        "by_phase": kernels.get("by_phase"),
    }


def compare(session: dict | None, refs: dict[str, dict], variants: list[str]) -> dict[str, dict]:
    """jitlab's figures beside the reference's, per variant, with ratios."""
    out: dict[str, dict] = {}
    eager_timer = (refs.get("eager") or {}).get("timer") or {}
    for v in variants:
        rec = ((session or {}).get("variants") or {}).get(v) or {}
        total = B.total_stats(session or {}, v)
        ref = refs.get(v) or {}
        timer = ref.get("timer") or {}
        bare = ref.get("bare") or {}
        jit_med = total["median"] if total and rec.get("status") == "ok" else None
        row = {
            "status": rec.get("status", "missing"),
            "error": (rec.get("error") or {}).get("message"),
            "jitlab": None if total is None else {
                "median_ms": total["median"], "iqr_ms": total["iqr"], "p25_ms": total["p25"],
                "p75_ms": total["p75"], "n": total["n"],
                "fwd_median_ms": rec["stats"]["fwd"]["median"],
                "bwd_median_ms": (rec["stats"].get("bwd") or {}).get("median"),
                "speedup_vs_eager": rec.get("speedup_vs_eager"), "speedup_ci": rec.get("speedup_ci"),
                "build_ms": rec.get("build_ms"), "first_call_ms": rec.get("first_call_ms"),
            },
            "timer": ref.get("timer"), "timer_nosync": ref.get("timer_nosync"), "bare": ref.get("bare"),
            "reference_error": ref.get("error"),
            "ratio_vs_timer": B.ratio(jit_med, timer.get("median_ms")),
            "ratio_vs_bare": B.ratio(jit_med, bare.get("median_ms")),
            "speedup_vs_eager_timer": B.ratio(eager_timer.get("median_ms"), timer.get("median_ms")),
            "kernels": kernel_summary(rec),
        }
        row["agrees"] = all(r is not None and abs(r - 1) <= AGREEMENT
                            for r in (row["ratio_vs_timer"], row["ratio_vs_bare"]))
        out[v] = row
    return out


def aggregate(repeats: list[dict[str, dict]]) -> dict[str, dict]:
    """One row per variant from several repeats: medians of each figure and of each ratio.

    The row also carries ``spread``: for jitlab, the Timer and the bare loop,
    (max - min) / min of their medians over the repeats -- how much the same
    measurement moved between repeats on this machine.
    """
    if len(repeats) == 1:
        return repeats[0]

    def med(values: list) -> float | None:
        values = [x for x in values if x is not None]
        return statistics.median(values) if values else None

    def spread(values: list) -> float | None:
        values = [x for x in values if x]
        return (max(values) - min(values)) / min(values) if len(values) > 1 else None

    out: dict[str, dict] = {}
    for v in repeats[0]:
        rows = [r[v] for r in repeats if v in r]
        row = dict(rows[0])
        ok = [r for r in rows if r["jitlab"]]
        jit = [r["jitlab"]["median_ms"] for r in ok]
        timers = [(r["timer"] or {}).get("median_ms") for r in rows]
        bares = [(r["bare"] or {}).get("median_ms") for r in rows]
        if ok:
            row["jitlab"] = {**ok[0]["jitlab"], "median_ms": med(jit), "iqr_ms": med([r["jitlab"]["iqr_ms"] for r in ok]),
                             "speedup_vs_eager": med([r["jitlab"]["speedup_vs_eager"] for r in ok]),
                             "speedup_ci": None,
                             "speedups": [r["jitlab"]["speedup_vs_eager"] for r in ok]}
        row["timer"] = {**(rows[0]["timer"] or {}), "median_ms": med(timers)} if med(timers) else rows[0]["timer"]
        row["bare"] = {**(rows[0]["bare"] or {}), "median_ms": med(bares)} if med(bares) else rows[0]["bare"]
        nosync = [(r["timer_nosync"] or {}).get("median_ms") for r in rows]
        if med(nosync):
            row["timer_nosync"] = {**rows[0]["timer_nosync"], "median_ms": med(nosync)}
        row["status"] = next((r["status"] for r in rows if r["status"] != "ok"), "ok")
        row["error"] = next((r["error"] for r in rows if r["error"]), None)
        row["reference_error"] = next((r["reference_error"] for r in rows if r["reference_error"]), None)
        for key in ("ratio_vs_timer", "ratio_vs_bare", "speedup_vs_eager_timer"):
            row[key] = med([r[key] for r in rows])
        row["ratio_ranges"] = {key: [min(x), max(x)] for key in ("ratio_vs_timer", "ratio_vs_bare")
                               if (x := [r[key] for r in rows if r[key] is not None])}
        row["spread"] = {"jitlab": spread(jit), "timer": spread(timers), "bare": spread(bares)}
        row["repeats"] = len(rows)
        row["agrees"] = all(r is not None and abs(r - 1) <= AGREEMENT
                            for r in (row["ratio_vs_timer"], row["ratio_vs_bare"]))
        out[v] = row
    return out


# ---- markdown

HEADER = ["example", "variant", "jitlab median", "IQR", "Timer", "jitlab/Timer", "bare events", "jitlab/bare",
          "speedup (jitlab)", "speedup (Timer)", "kernels / iter", "fused", "groups"]


def _speedup(value: float | None, ci: list | None = None, runs: list | None = None) -> str:
    if value is None:
        return "—"
    text = f"{value:.2f}x"
    runs = [x for x in runs or [] if x is not None]
    if len(runs) > 1:
        return text + f" ({min(runs):.2f}–{max(runs):.2f} over {len(runs)} runs)"
    return text + (f" [{ci[0]:.2f}–{ci[1]:.2f}]" if ci and None not in ci else "")


def repeat_rows(case: dict) -> list[list[str]]:
    """One row per repeat and variant: what the medians of the main table were taken over."""
    rows = []
    for rep in case.get("repeats") or []:
        for v, r in rep["variants"].items():
            j = r["jitlab"] or {}
            rows.append([case["name"], v, f"{rep['repeat']} ({rep['order']})", B.fmt_ms(j.get("median_ms")),
                         B.fmt_ms((r["timer"] or {}).get("median_ms")), B.fmt_ms((r["bare"] or {}).get("median_ms")),
                         B.fmt_ratio(r["ratio_vs_timer"]), B.fmt_ratio(r["ratio_vs_bare"]),
                         "1.00x (ref)" if v == "eager" and j else _speedup(j.get("speedup_vs_eager"),
                                                                           j.get("speedup_ci"))])
    return rows


def spread_rows(case: dict) -> list[list[str]]:
    rows = []
    for v, r in case["variants"].items():
        sp = r.get("spread") or {}
        if any(x is not None for x in sp.values()):
            pct = [("—" if sp.get(k) is None else f"{sp[k]:.0%}") for k in ("jitlab", "timer", "bare")]
            rng = r.get("ratio_ranges") or {}
            rows.append([case["name"], v, *pct,
                         "–".join(f"{x:.2f}" for x in rng.get("ratio_vs_timer", [])) or "—",
                         "–".join(f"{x:.2f}" for x in rng.get("ratio_vs_bare", [])) or "—"])
    return rows


def _num(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if isinstance(value, (int, float)) and float(value).is_integer() else f"{value:,.1f}"


def case_rows(case: dict) -> list[list[str]]:
    rows = []
    for v, r in case["variants"].items():
        j = r["jitlab"] or {}
        k = r["kernels"] or {}
        status = "" if r["status"] == "ok" else f" ({r['status']})"
        timer = (r["timer"] or {}).get("median_ms")
        bare = (r["bare"] or {}).get("median_ms")
        def mark(ratio: float | None) -> str:
            return "" if ratio is not None and abs(ratio - 1) <= AGREEMENT else " ⚠"

        rows.append([
            case["name"], v + status, B.fmt_ms(j.get("median_ms")), B.fmt_ms(j.get("iqr_ms")),
            B.fmt_ms(timer), B.fmt_ratio(r["ratio_vs_timer"]) + mark(r["ratio_vs_timer"]), B.fmt_ms(bare),
            B.fmt_ratio(r["ratio_vs_bare"]) + mark(r["ratio_vs_bare"]),
            "1.00x (ref)" if v == "eager" and j else _speedup(j.get("speedup_vs_eager"), j.get("speedup_ci"),
                                                              j.get("speedups")),
            "1.00x (ref)" if v == "eager" and timer else _speedup(r["speedup_vs_eager_timer"]),
            _num(k.get("launches")), _num(k.get("fused_launches")), _num(k.get("groups")),
        ])
    return rows


def _env_lines(data: dict) -> list[str]:
    env = data.get("env") or {}
    dev = env.get("device") or {}
    parts = [f"**Device**: {dev.get('name', '?')} (`{dev.get('id', data['settings']['device'])}`)"]
    if env.get("driver"):
        parts.append(f"driver {env['driver']}")
    if env.get("cuda"):
        parts.append(f"CUDA {env['cuda']}")
    if env.get("cudnn"):
        parts.append(f"cuDNN {env['cudnn']}")
    return [
        "- " + ", ".join(parts),
        f"- **Software**: torch {env.get('torch', '?')}, Python {env.get('python', '?')}, jitlab "
        f"{data.get('jitlab', '?')}; CPU {env.get('cpu_model', '?')}, {env.get('threads', '?')} torch threads",
        f"- **Command**: `{data['command']}`",
        f"- **Date**: {data['created']}",
    ]


def render(data: dict) -> str:
    """The whole markdown report for one run of ``gpu_truth.py``."""
    s = data["settings"]
    lines = [f"# jitlab timing truth: {(data.get('env') or {}).get('device', {}).get('name', s['device'])}", ""]
    lines += _env_lines(data)
    lines += [
        f"- **Run**: size `{s['size']}`, mode {s['mode']}, {s['iters']} measured iterations per variant; "
        f"Timer `blocked_autorange(min_run_time={s['timer_min_time']:g})`",
        "",
        "Forward + backward per iteration. *jitlab median* and *IQR* come from `jitlab run`'s session. "
        "*Timer* is `torch.utils.benchmark.Timer` of the same step with a device synchronisation at its end; "
        "*bare events* is a plain loop timed like jitlab (CUDA events and a synchronisation per iteration on a "
        "GPU, `perf_counter_ns` on a CPU). Each reference builds its variant fresh in its own process. "
        f"⚠ marks a ratio outside 1 ± {AGREEMENT:.0%}. *Kernels / iter*, *fused* and *groups* are the session's "
        "kernel totals (CUDA kernels on a GPU, top-level ops on a CPU) and its fusion groups / generated kernels.",
        "",
    ]
    rows = [row for case in data["cases"] for row in case_rows(case)]
    lines += [B.markdown_table(HEADER, rows), ""]
    repeated = [c for c in data["cases"] if c.get("repeats")]
    if repeated:
        lines += ["### Repeats", "",
                  f"Each case ran {', '.join(sorted({str(len(c['repeats'])) for c in repeated}))} times, jitlab and the references in alternating order; the "
                  "table above gives medians over the repeats (figures and ratios). How far the *same* "
                  "measurement moved between repeats, and the range of each ratio:", ""]
        lines.append(B.markdown_table(
            ["example", "variant", "jitlab spread", "Timer spread", "bare spread", "jitlab/Timer range",
             "jitlab/bare range"], [row for c in repeated for row in spread_rows(c)]))
        lines += ["", B.markdown_table(
            ["example", "variant", "repeat", "jitlab median", "Timer", "bare events", "jitlab/Timer", "jitlab/bare",
             "speedup (jitlab)"], [row for c in repeated for row in repeat_rows(c)]), ""]
    nosync = [(c["name"], v, r) for c in data["cases"] for v, r in c["variants"].items() if r.get("timer_nosync")]
    if nosync:
        lines += ["### What per-iteration synchronisation costs", "",
                  "Timer without the per-iteration synchronisation (only around each block), next to the "
                  "synchronised figure above:", ""]
        lines.append(B.markdown_table(
            ["example", "variant", "Timer, synchronised", "Timer, block-synchronised", "ratio"],
            [[c, v, B.fmt_ms(r["timer"]["median_ms"]), B.fmt_ms(r["timer_nosync"]["median_ms"]),
              B.fmt_ratio(B.ratio(r["timer"]["median_ms"], r["timer_nosync"]["median_ms"]))]
             for c, v, r in nosync if r.get("timer")]))
        lines.append("")
    problems = [f"- {c['name']} / {v}: {r['error'] or r['reference_error']}".splitlines()[0]
                for c in data["cases"] for v, r in c["variants"].items() if r["error"] or r["reference_error"]]
    if problems:
        lines += ["### Failures", ""] + problems + [""]
    stream = data.get("stream")
    if stream:
        lines += ["## Streaming: a long run with the parent's memory sampled", ""]
        lines.append(B.markdown_table(
            ["iterations", "exit", "wall", "parent RSS start", "peak", "end", "growth", "per iteration", "flat"],
            [[f"{stream['iters']:,}", str(stream["rc"]), f"{stream['wall_s']:.1f} s",
              f"{stream['rss_start_mib']:.1f} MiB", f"{stream['rss_peak_mib']:.1f} MiB",
              f"{stream['rss_end_mib']:.1f} MiB", f"{stream['growth_mib']:+.1f} MiB",
              f"{stream['bytes_per_iteration']:.0f} B", "yes" if stream["flat"] else "**no**"]]))
        lines += ["", stream["criterion"], ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    print(render(json.loads(Path(argv[0]).read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
