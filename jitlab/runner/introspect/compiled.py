"""What ``torch.compile`` made of the module: Dynamo's graphs and breaks,
recompiles, and Inductor's generated code.

Nothing here compiles with Inductor again, which on a small CPU machine costs
tens of seconds:

* the generated code is read back from the modules Inductor already loaded
  (``PyCodeCache``), which it fills on a fresh compile and on a cache hit
  alike; ``run_and_get_code`` would reset Dynamo and compile everything anew;
* recompiles come from Dynamo's compilation metrics of the run;
* graphs and graph breaks come from ``torch._dynamo.explain``, which traces
  with Dynamo only (its backend keeps the captured graphs and runs them
  eagerly), a fraction of a second. It resets Dynamo before and after, which
  discards the variant's compiled code, so :func:`explain` runs last.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import torch

from jitlab.core.ir_names import kernel_names
from jitlab.runner.introspect.limits import FX_GRAPH_LIMIT, attempt, clip

#: Inductor heads every wrapper module with the AOTAutograd graph it implements.
_AOT_ID = re.compile(r"^# AOT ID: \['([^']*)'\]", re.M)
_COMPILE_ID = re.compile(r"(\d+)/(\d+)")


@dataclass
class GeneratedModule:
    """One wrapper module Inductor generated and loaded."""

    graph_id: str
    phase: str
    path: str
    source: str
    kernels: list[str] = field(default_factory=list)
    module: Any = None


def inductor_modules() -> list[GeneratedModule]:
    """Inductor's loaded wrapper modules (one per compiled forward, backward or
    inference graph), in the order of their AOT ids."""
    from torch._inductor.codecache import PyCodeCache

    mods = getattr(PyCodeCache, "modules", None)
    if mods is None:  # older releases keep a key -> module dict
        cache = getattr(PyCodeCache, "cache", {})
        mods = list(cache.values()) if isinstance(cache, dict) else []
    found: list[GeneratedModule] = []
    seen: set[str] = set()
    for mod in list(mods):
        path = getattr(mod, "__file__", None)
        if not path or path in seen:
            continue
        seen.add(path)
        try:
            source = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        head = _AOT_ID.search(source)
        if head is None and "def call(" not in source:
            continue  # a module holding one Triton kernel, not a graph
        graph_id = head.group(1) if head else f"graph_{len(found)}"
        backward = "backward" in graph_id if head else "tangents_" in source
        found.append(GeneratedModule(graph_id, "bwd" if backward else "fwd", path, source,
                                     kernel_names(source), mod))
    found.sort(key=lambda g: (_leading_int(g.graph_id), g.phase != "fwd"))
    return found


def _leading_int(text: str) -> int:
    m = re.match(r"\d+", text)
    return int(m.group()) if m else 1 << 30


def code_record(modules: list[GeneratedModule], notes: list[str]) -> dict[str, Any]:
    """``code`` {forward, backward}, ``kernel_names`` and ``compiled_graphs``."""
    def joined(phase: str) -> str | None:
        parts = [f"# ==== {g.graph_id}: {g.path}\n{g.source}" for g in modules if g.phase == phase]
        what = "Inductor's forward code" if phase == "fwd" else "Inductor's backward code"
        return clip("\n".join(parts), what, notes) if parts else None

    names: list[str] = []
    for g in modules:
        names.extend(k for k in g.kernels if k not in names)
    return {
        "code": {"forward": joined("fwd"), "backward": joined("bwd")},
        "kernel_names": names,
        "compiled_graphs": [{"id": g.graph_id, "phase": g.phase, "file": g.path, "kernel_names": g.kernels}
                            for g in modules],
    }


def compile_metrics() -> list[dict[str, Any]]:
    """One record per Dynamo frame compilation of this process."""
    from torch._dynamo.utils import get_compilation_metrics

    out = []
    for m in get_compilation_metrics():
        forward = getattr(m, "is_forward", True) is not False
        seconds = getattr(m, "entire_frame_compile_time_s", None)
        if seconds is None and getattr(m, "duration_us", None):
            seconds = m.duration_us / 1e6
        out.append({
            "compile_id": str(getattr(m, "compile_id", "") or ""),
            # A backward graph compiled lazily (at the first backward) has a
            # record of its own, without the frame's code.
            "phase": "fwd" if forward else "bwd",
            "function": getattr(m, "co_name", None) or ("(backward graph)" if not forward else "(no frame recorded)"),
            "file": getattr(m, "co_filename", None),
            "line": getattr(m, "co_firstlineno", None),
            "seconds": seconds,
            "graph_op_count": getattr(m, "graph_op_count", None),
            "recompile_reason": getattr(m, "recompile_reason", None),
            "fail_reason": getattr(m, "fail_reason", None),
        })
    return out


def recompiles(metrics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The compilations that were recompiles (frame compile id above 0)."""
    out = []
    for m in metrics:
        ids = _COMPILE_ID.search(m["compile_id"])
        if m.get("phase") == "bwd":
            continue
        if (ids and int(ids.group(2)) > 0) or m.get("recompile_reason"):
            out.append({"compile_id": m["compile_id"], "function": m["function"], "file": m["file"],
                        "line": m["line"], "reason": m.get("recompile_reason")})
    return out


def counter_fallback() -> dict[str, Any]:
    """Graph count and break reasons from Dynamo's counters, without user lines.

    Read before :func:`explain` (which resets them); used if it fails.
    """
    from torch._dynamo.utils import counters

    breaks = dict(counters.get("graph_break", {}))
    graphs = int(counters.get("stats", {}).get("unique_graphs", 0))
    return {
        "graph_count": graphs,
        "graph_break_count": sum(breaks.values()),
        "break_reasons": [{"reason": r.strip(), "file": None, "line": None} for r in breaks],
    }


def explain(module: torch.nn.Module, inputs: tuple, train: bool, user_file: Path | None,
            notes: list[str]) -> dict[str, Any]:
    """Dynamo's graphs and graph breaks for one forward call.

    The call runs under the same grad mode as the timed iterations, so Dynamo
    sees the same conditions.
    """
    ctx = torch.enable_grad() if train else torch.inference_mode()
    with ctx:
        ex = torch._dynamo.explain(module)(*inputs)
    graphs = list(getattr(ex, "graphs", []))
    if len(graphs) > FX_GRAPH_LIMIT:
        notes.append(f"Dynamo captured {len(graphs)} graphs; only the first {FX_GRAPH_LIMIT} are kept as text")
    reasons: list[dict[str, Any]] = []
    for r in getattr(ex, "break_reasons", []):
        entry = break_reason(r, user_file)
        if entry not in reasons:
            reasons.append(entry)
    return {
        "fx_graphs": [clip(graph_text(gm), "a Dynamo graph", notes) for gm in graphs[:FX_GRAPH_LIMIT]],
        "graph_count": int(getattr(ex, "graph_count", len(graphs))),
        "graph_break_count": int(getattr(ex, "graph_break_count", max(0, len(graphs) - 1))),
        "break_reasons": reasons,
        "ops_per_graph": [len(ops) for ops in getattr(ex, "ops_per_graph", [])],
    }


def graph_text(gm: Any) -> str:
    """Readable Python of a captured ``GraphModule``, with source-line comments."""
    try:
        return gm.print_readable(print_output=False)
    except (AttributeError, TypeError):
        return str(gm.code)


def break_reason(reason: Any, user_file: Path | None) -> dict[str, Any]:
    """``{reason, file, line}`` of a graph break, at the user's frame where there is one."""
    stack = list(getattr(reason, "user_stack", None) or [])
    frame = None
    if user_file is not None:
        mine = [f for f in stack if _same_file(f.filename, user_file)]
        frame = mine[-1] if mine else None
    if frame is None and stack:
        frame = stack[-1]
    return {
        "reason": str(getattr(reason, "reason", reason)).strip(),
        "file": frame.filename if frame else None,
        "line": frame.lineno if frame else None,
    }


def _same_file(name: str, path: Path) -> bool:
    try:
        return Path(name).resolve() == path
    except (OSError, ValueError):
        return False


def summary_notes(graphs: dict[str, Any]) -> list[str]:
    """Sentences for the run's report: graph breaks (first one located) and recompiles."""
    notes = []
    breaks = graphs.get("break_reasons") or []
    count = graphs.get("graph_break_count") or 0
    if count:
        first = breaks[0] if breaks else {}
        where = f" at {Path(first['file']).name}:{first['line']}" if first.get("file") else ""
        reason = (first.get("reason") or "").strip().splitlines()
        why = f" ({reason[0].strip()})" if reason else ""
        notes.append(f"torch.compile split the forward into {graphs.get('graph_count')} graphs: {count} graph "
                     f"break(s), the first{where}{why}; `jitlab show SESSION --what compile` lists them")
    recompiled = graphs.get("recompiles") or []
    if recompiled:
        reason = recompiled[0].get("reason") or "reason not recorded"
        notes.append(f"Dynamo recompiled {len(recompiled)} time(s); first reason: {reason}")
    return notes


@contextmanager
def recorded_kernels(modules: list[GeneratedModule]) -> Iterator[None]:
    """Make each generated CPU kernel show in the profiler under its own name.

    Inductor's C++ kernels run inside ``## Call CompiledFxGraph ##`` without a
    profiler event of their own (``cpp.enable_kernel_profile`` would add one,
    but only at compile time). The wrapper calls them through module globals,
    so the globals are swapped for recording wrappers while the block runs.
    """
    from torch.profiler import record_function

    def recording(name: str, fn: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            with record_function(name):
                return fn(*args, **kwargs)
        return call

    patched: list[tuple[dict, str, Any]] = []
    try:
        for g in modules:
            namespace = getattr(g.module, "__dict__", None)
            if namespace is None:
                continue
            for name in g.kernels:
                fn = namespace.get(name)
                if callable(fn):
                    namespace[name] = recording(name, fn)
                    patched.append((namespace, name, fn))
        yield
    finally:
        for namespace, name, fn in patched:
            namespace[name] = fn


def collect_before_profile(notes: list[str]) -> tuple[dict[str, Any], list[GeneratedModule], dict[str, Any]]:
    """The parts of the record that need the variant's compiled state intact.

    Returns
    -------
    graphs : dict
        ``code``, ``kernel_names``, ``compiled_graphs``, ``recompiles``, ``compile_metrics``.
    modules : list of GeneratedModule
    fallback : dict
        Graph and break counts from Dynamo's counters.
    """
    graphs: dict[str, Any] = {
        "fx_graphs": [], "graph_count": None, "graph_break_count": None, "break_reasons": [],
        "recompiles": None, "code": {"forward": None, "backward": None}, "kernel_names": [],
        "compiled_graphs": [], "compile_metrics": [],
    }
    modules: list[GeneratedModule] = []
    with attempt(notes, "Inductor's generated code"):
        modules = inductor_modules()
        graphs.update(code_record(modules, notes))
        if not modules:
            notes.append("no Inductor code was found in this process (the backend compiled nothing, or this "
                         "torch keeps generated modules elsewhere)")
    with attempt(notes, "Dynamo's compilation metrics"):
        metrics = compile_metrics()
        graphs["compile_metrics"] = metrics
        graphs["recompiles"] = recompiles(metrics)
    fallback: dict[str, Any] = {}
    with attempt(notes, "Dynamo's counters"):
        fallback = counter_fallback()
    return graphs, modules, fallback
