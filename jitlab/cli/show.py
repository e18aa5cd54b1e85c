"""``jitlab show``: print a saved session: the table, or what is inside a variant.

Reads the session file only; never imports torch or Qt, so it works wherever
the file is.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Callable

from jitlab.cli.format import session_report, table_lines
from jitlab.cli.text import clean
from jitlab.core.present import lines as L
from jitlab.core.session import store as S
from jitlab.core.present.absent import absent_block
from jitlab.core.present import compile_report
from jitlab.core.present import kernels as K
from jitlab.core.present.numbers import PLAIN
from jitlab.core.variants import COMPILE_VARIANTS

WHATS = ("summary", "graph", "code", "optimized", "fusion", "kernels", "compile", "lines")
#: Variants that can have something to show for each view.
APPLIES = {
    "graph": ("script", "trace", *COMPILE_VARIANTS),
    "code": ("script", "trace", *COMPILE_VARIANTS),
    "optimized": ("script", "trace"),
    "fusion": ("script", "trace", *COMPILE_VARIANTS),
    "compile": COMPILE_VARIANTS,
    "lines": ("script", "trace", *COMPILE_VARIANTS),
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="jitlab show",
        description="Print a session written by `jitlab run` or the app: the summary table, or the graphs, "
                    "generated code, fusion groups, kernels and graph breaks recorded for its variants.",
        epilog="views (--what):\n"
               "  summary    the table, notes and warnings (default)\n"
               "  graph      TorchScript graph (script, trace) or Dynamo's FX graphs (compile)\n"
               "  code       TorchScript code, or Inductor's generated forward/backward code\n"
               "  optimized  the graphs TorchScript's executor optimized, forward and backward\n"
               "  fusion     fusion groups: ops, subgraph, kernel name, NNC IR, CUDA source\n"
               "  kernels    the kernels (CPU: top-level ops) per profiled iteration\n"
               "  compile    where the first call's time went, graph breaks with file:line, recompiles at\n"
               "             their iteration, CUDA graphs used or skipped, kernel names\n"
               "  lines      time per source line of the module, from the kernels each line's ops ran in\n"
               "\nexamples:\n"
               "  jitlab show s.json\n"
               "  jitlab show s.json --variant script --what fusion\n"
               "  jitlab show s.json --what kernels\n"
               "  jitlab show s.json --variant compile --what lines",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("session", help="session file (JSON)")
    p.add_argument("--variant", help="one variant (default: every variant the view applies to)")
    p.add_argument("--what", choices=WHATS, default="summary", help="what to print (default: summary)")
    return p


def show_main(argv: list[str]) -> int:
    """Run ``jitlab show``; returns the exit status (2: bad file or variant,
    1: nothing recorded for the view, 0: printed)."""
    args = build_parser().parse_args(argv)
    try:
        session = S.load(args.session)
    except S.SessionError as exc:
        print(f"jitlab show: {clean(exc)}", file=sys.stderr)
        return 2
    variants = session["variants"]
    if args.variant is not None and args.variant not in variants:
        known = ", ".join(variants) or "none"
        print(clean(f"jitlab show: no variant {args.variant!r} in {args.session} (it has: {known})"), file=sys.stderr)
        return 2
    if args.what == "summary":
        text = session_report(session)
        if args.variant:
            text += "\n\n" + variant_summary(args.variant, variants[args.variant])
        _print(text)
        return 0
    names = [args.variant] if args.variant else [n for n in variants if _applies(args.what, n)]
    printed = False
    blocks = []
    file = (session.get("settings") or {}).get("file")
    for name in names:
        if args.what in ("lines", "kernels"):
            text, ok = VIEWS[args.what](name, variants[name], file)
        else:
            text, ok = VIEWS[args.what](name, variants[name])
        blocks.append(text)
        printed = printed or ok
    strip = kernels_compared(session) if args.what == "kernels" and not args.variant else None
    if strip:
        blocks.insert(0, strip)
    if not blocks:
        blocks.append(f"no variant in this session has a {args.what!r} view "
                      f"(it applies to {', '.join(APPLIES.get(args.what, ()))})")
    _print("\n\n".join(blocks))
    return 0 if printed else 1


def _print(text: str) -> None:
    """Print (control characters made visible: a session may carry escape sequences),
    and stop quietly when the reader (``head``, a pager) has gone."""
    try:
        print(clean(text))
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would report the pipe again while flushing at exit.
        sys.stdout = open(os.devnull, "w")


def _applies(what: str, name: str) -> bool:
    # ``compile:<mode>`` variants are compile variants.
    return name in APPLIES.get(what, (name,)) or name.split(":")[0] in APPLIES.get(what, ())


# ---- helpers


def _header(name: str, title: str) -> str:
    line = f"== {name}: {title} "
    return line + "=" * max(0, 78 - len(line))


def _missing(name: str, v: dict[str, Any], what: str) -> tuple[str, bool]:
    """A 'nothing recorded' block that says why, from the status and notes."""
    return absent_block(v, name, what), False


def _section(title: str, text: str | None) -> str:
    return f"-- {title}\n{text.rstrip() if text else '(none)'}"


# ---- views


def variant_summary(name: str, v: dict[str, Any]) -> str:
    """Status and the size of what was recorded for one variant."""
    lines = [_header(name, "summary"), f"status: {v.get('status')}"]
    g = v.get("graphs") or {}
    k = v.get("kernels") or {}
    if "fusion_groups" in g:
        lines.append(f"fusion groups: {len(g['fusion_groups'])}")
    if "graph_count" in g:
        lines.append(f"Dynamo graphs: {g.get('graph_count')}, graph breaks: {g.get('graph_break_count')}, "
                     f"generated kernels: {len(g.get('kernel_names') or [])}")
    if k:
        t = k.get("totals", {})
        lines.append(f"kernels per iteration: {t.get('launches')} launches of {t.get('distinct')} distinct "
                     f"{k.get('unit', 'kernels')}s, {_us(t.get('device_time_us'))}")
    lines += [f"note: {n}" for n in v.get("notes", [])]
    return "\n".join(lines)


def view_graph(name: str, v: dict[str, Any]) -> tuple[str, bool]:
    g = v.get("graphs")
    if not g:
        return _missing(name, v, "graph")
    if "fx_graphs" in g:
        fx = g.get("fx_graphs") or []
        if not fx:
            return _missing(name, v, "Dynamo graph")
        parts = [_header(name, f"{len(fx)} Dynamo FX graph(s)")]
        parts += [_section(f"graph {i}", text) for i, text in enumerate(fx)]
        return "\n".join(parts), True
    if not g.get("graph"):
        return _missing(name, v, "TorchScript graph")
    parts = [_header(name, "TorchScript graph"), g["graph"].rstrip()]
    inlined = g.get("inlined_graph")
    # The inlined graph differs only in value numbers unless the graph calls
    # submodules or functions, which it expands.
    if inlined and any(call in g["graph"] for call in ("prim::CallMethod", "prim::CallFunction")):
        parts.append(_section("inlined graph (calls to submodules expanded)", inlined))
    return "\n".join(parts), True


def view_code(name: str, v: dict[str, Any]) -> tuple[str, bool]:
    g = v.get("graphs")
    if not g:
        return _missing(name, v, "code")
    code = g.get("code")
    if isinstance(code, dict):
        if not (code.get("forward") or code.get("backward")):
            return _missing(name, v, "generated code")
        return "\n".join([_header(name, "Inductor's generated code"),
                          _section("forward", code.get("forward")),
                          _section("backward", code.get("backward"))]), True
    if not code:
        return _missing(name, v, "TorchScript code")
    return f"{_header(name, 'TorchScript code')}\n{code.rstrip()}", True


def view_optimized(name: str, v: dict[str, Any]) -> tuple[str, bool]:
    opt = (v.get("graphs") or {}).get("optimized") or {}
    if not (opt.get("forward") or opt.get("backward")):
        return _missing(name, v, "optimized graph")
    return "\n".join([_header(name, "optimized graphs"),
                      _section("forward", opt.get("forward")),
                      _section("backward", opt.get("backward"))]), True


def view_fusion(name: str, v: dict[str, Any]) -> tuple[str, bool]:
    g = v.get("graphs")
    if not g:
        return _missing(name, v, "fusion information")
    if "compiled_graphs" in g:
        graphs = g.get("compiled_graphs") or []
        if not graphs:
            return _missing(name, v, "generated kernels")
        lines = [_header(name, "kernels Inductor generated")]
        for cg in graphs:
            lines.append(f"{cg.get('id')} ({cg.get('phase')}): {len(cg.get('kernel_names') or [])} kernel(s)")
            lines += [f"  {k}" for k in cg.get("kernel_names") or []]
        return "\n".join(lines), True
    groups = g.get("fusion_groups") or []
    if not groups:
        return _missing(name, v, "fusion group")
    parts = [_header(name, f"{len(groups)} fusion group(s)")]
    for i, fg in enumerate(groups):
        parts.append(
            f"[{i}] {fg.get('kind')}  phase {fg.get('phase')}  in {fg.get('where')}\n"
            f"    kernel: {fg.get('kernel_name') or '-'}"
            + (f"  ({fg['kernel_name_source']})" if fg.get("kernel_name_source") else "")
            + f"\n    ops ({len(fg.get('ops') or [])}): {', '.join(fg.get('ops') or [])}"
        )
        parts.append(_section("subgraph", fg.get("subgraph")))
        parts.append(_section("NNC loop-nest IR", fg.get("nnc_ir")))
        if fg.get("cuda_source"):
            parts.append(_section("CUDA source", fg["cuda_source"]))
        if fg.get("llvm_ir"):
            parts.append(_section("LLVM IR", fg["llvm_ir"]))
    return "\n".join(parts), True


def _us(x: float | None) -> str:
    """Microseconds as ``12.3 us`` or ``1,234.5 ms``."""
    if x is None:
        return "-"
    return f"{x / 1000:,.1f} ms" if x >= 1000 else f"{x:.1f} us"


def kernels_compared(session: dict[str, Any]) -> str | None:
    """The strip the app's kernel view opens with (:mod:`jitlab.core.present.kernels`), where two
    or more variants have a kernel list."""
    rows = K.summary_rows(session)
    if sum(r["has_kernels"] for r in rows) < 2:
        return None
    table = [["variant", *K.summary_heads(K.summary_unit(rows))]]
    table += [[r["variant"], *K.summary_cells(r, PLAIN)] for r in rows]
    return "\n".join([_header("variants", "kernels per iteration compared"), *table_lines(table),
                      *K.launch_sentences(session, PLAIN)])


def view_kernels(name: str, v: dict[str, Any], file: str | None = None) -> tuple[str, bool]:
    """One variant's kernel table; ``file`` is the module's, where the record does not name it."""
    k = v.get("kernels")
    if not k or not k.get("items"):
        return _missing(name, v, "kernel list")
    items = K.kernel_rows(v, file)
    traced = any(r["origins"] for r in items)
    rows = [["phase", "name", "count", "time", "fused", "group"] + (["lines"] if traced else [])]
    for r in items:
        rows.append([r["phase"], r["name"], str(r["count"]), _us(r["device_time_us"]), "yes" if r["fused"] else "",
                     "" if r["group"] == r["name"] else r["group"]] + ([r["lines"]] if traced else []))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    widths[1] = min(widths[1], 70)
    table = ["  ".join(_fit(c, w) for c, w in zip(row, widths)).rstrip() for row in rows]
    t = k.get("totals", {})
    unit = k.get("unit", "kernel")
    head = (f"{unit}s per iteration, from {k.get('iterations')} profiled iteration(s) on {k.get('device')}; "
            f"time is {k.get('what') or ('device' if 'CUDA' in unit else 'CPU') + ' time'}")
    left_out = [f"{k[key]} {what}" for key, what in (("warmup_iterations", "as the profiler's warm-up"),
                                                      ("dropped_iterations", "as slower than the fastest quarter"))
                if k.get(key)]
    if left_out:
        head += f"; of {k.get('profiled_iterations')} profiled iterations, left out: " + ", ".join(left_out)
    foot = [f"total: {t.get('launches')} launches of {t.get('distinct')} distinct, {_us(t.get('device_time_us'))}"
            f"; fused launches: {t.get('fused_launches')}"]
    for phase, pt in (k.get("by_phase") or {}).items():
        foot.append(f"  {phase}: {pt.get('launches')} launches, {_us(pt.get('device_time_us'))}")
    if k.get("hidden_metadata_ops"):
        foot.append(f"not listed: {k['hidden_metadata_ops']:g} allocation/view ops per iteration")
    if (k.get("check") or {}).get("text"):
        foot.append(("WARNING: " if k["check"].get("exceeds") else "against the timings: ") + k["check"]["text"])
    if k.get("trace_file"):
        foot.append(f"Chrome trace: {k['trace_file']}")
    return "\n".join([_header(name, "kernels"), head, *table, *foot]), True


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 3] + "..."


def view_compile(name: str, v: dict[str, Any]) -> tuple[str, bool]:
    g = v.get("graphs")
    timeline = (compile_report.breakdown_lines(v) + compile_report.cudagraph_lines(v)
                + ((["recompiles while it ran:"] + compile_report.recompile_lines(v)) if v.get("recompiles") else []))
    if not g or "graph_count" not in g:
        if timeline:
            return "\n".join([_header(name, "torch.compile"), *timeline,
                               "(no graphs recorded: the run skipped introspection or it failed)"]), True
        return _missing(name, v, "compile information")
    lines = [_header(name, "torch.compile"), *timeline,
             f"Dynamo graphs: {g.get('graph_count')}   graph breaks: {g.get('graph_break_count')}"]
    for i, br in enumerate(g.get("break_reasons") or []):
        where = f"{br.get('file')}:{br.get('line')}" if br.get("file") else "(location unknown)"
        reason = (br.get("reason") or "").strip().splitlines()
        lines.append(f"  break {i + 1} at {where}")
        lines += [f"    {line}" for line in reason[:6]]
        if len(reason) > 6:
            lines.append("    ...")
    rec = g.get("recompiles")
    lines.append(f"recompiles: {'unknown' if rec is None else len(rec)}"
                 + (" (listed above at their iterations)" if v.get("recompiles") else ""))
    for r in ([] if v.get("recompiles") else rec or []):
        lines.append(f"  {r.get('compile_id')} {r.get('function')} ({r.get('file')}:{r.get('line')}): "
                     f"{r.get('reason') or 'reason not recorded'}")
    for cg in g.get("compiled_graphs") or []:
        lines.append(f"compiled {cg.get('id')} ({cg.get('phase')}): {', '.join(cg.get('kernel_names') or []) or '-'}")
    rows = compile_report.compilations(g)
    if rows:
        lines.append("Dynamo compilations (the backward compiled at the first backward):")
        lines += [f"  {compile_report.compilation_line(row)}" for row in rows]
    lines += [f"note: {n}" for n in v.get("notes", [])]
    return "\n".join(lines), True


def view_lines(name: str, v: dict[str, Any], file: str | None = None) -> tuple[str, bool]:
    """Time per source line (:mod:`jitlab.core.present.lines`), the table the app's gutter shows."""
    table = L.record_table(v, name, file)
    if table is None:
        return _missing(name, v, "source lines for its kernels")
    return "\n".join([_header(name, "time per source line"), L.render(table, L.read_source(table.file))]), True


VIEWS: dict[str, Callable[..., tuple[str, bool]]] = {
    "graph": view_graph, "code": view_code, "optimized": view_optimized, "fusion": view_fusion,
    "kernels": view_kernels, "compile": view_compile, "lines": view_lines,
}
