"""Which of the user's lines each profiled kernel came from.

Every row of the kernel table gains ``origins``: the source lines whose ops
the kernel (or top-level CPU op) contains, each with the ``share`` of the
row's time it is charged, shares summing to 1. Rows nothing is known about
keep ``origins`` unset. :mod:`jitlab.core.present.lines` turns the rows into the cost
of each line.

Where the lines come from
-------------------------
compile
    Inductor's provenance tracking (``torch._inductor.config.trace.
    provenance_tracking_level = 1``, set by :func:`enable_inductor` before the
    first call) maps each generated kernel to the stack traces of the FX nodes
    it was generated from; Dynamo keeps those maps in its compilation metrics
    (``inductor_provenance``), one per compiled forward and backward graph.
    Backward nodes carry the stack trace of the forward op they differentiate,
    so a backward kernel is charged to the forward lines it serves. A graph
    served from Inductor's cache carries the traces of the compile that filled
    it; lines that moved since are found again by the code each frame quotes.
script and trace
    Every node of the optimized graphs has a source range: for ``script`` the
    file and line of the expression, for ``trace`` the Python stack at the
    moment it was recorded. A fusion group's kernel is charged to the lines of
    the ops in its subgraph; any other row to the lines of the graph's nodes
    of its kind (``aten::mm`` twice on one line and once on another: two
    thirds and one third). Backward graphs come from TorchScript's gradient
    formulas; they are charged to the lines of the forward graph they belong to.

On CUDA a library kernel (cuBLAS, cuDNN, ATen's templates) is found through
the ATen ops it was launched under (``launched_by``, recorded by
:mod:`.kernels`).

A kernel made of ops from several lines is split **evenly** among its
distinct lines: a line's cost is its share of the kernels it contributed to,
not a measurement of that line alone (fused code has no per-line time).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

import torch

from jitlab.core.present.lines import SPLIT_DEFAULT

#: ``  File "/a/b.py", line 7, in forward`` (Python tracebacks, script ranges).
_PY_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<fn>[\w<>.]+))?')
#: ``/a/b.py(7): forward`` (the stacks TorchScript's tracer records).
_TRACE_FRAME = re.compile(r"^(?P<file>[^\n()]+\.py)\((?P<line>\d+)\): (?P<fn>[\w<>.]+)\s*$", re.M)
#: ``cpp_fused_add_0:3``: provenance keys end with Inductor's debug handle.
_HANDLE = re.compile(r":\d+$")
#: Nodes that compute nothing; their lines would dilute a kernel's.
_NOT_OPS = ("prim::Constant", "prim::TupleConstruct", "prim::TupleUnpack", "prim::ListConstruct",
            "prim::GetAttr", "prim::If", "prim::TypeCheck", "prim::RequiresGradCheck", "prim::CallFunction",
            "prim::BroadcastSizes")
_GROUP_KINDS = ("prim::TensorExprGroup", "prim::TensorExprDynamicGroup", "prim::FusionGroup",
                "prim::CudaFusionGroup", "prim::oneDNNFusionGroup", "prim::DifferentiableGraph")
_TORCH_DIR = str(Path(torch.__file__).resolve().parent)

SPLIT_RULE = SPLIT_DEFAULT
SOURCES = {
    "compile": "Inductor's provenance: the stack traces of the FX nodes each generated kernel was made from",
    "script": "the source ranges of the optimized graph's nodes",
    "trace": "the Python stacks the tracer recorded for the optimized graph's nodes",
}


def enable_inductor(notes: list[str]) -> None:
    """Ask Inductor to record which FX nodes each kernel it generates came from.

    Must run before the first compiled call; it is part of Inductor's cache
    key, so a cache entry made without it is not reused.
    """
    try:
        import torch._inductor.config as inductor_config
    except ImportError:
        notes.append("this torch has no Inductor: kernels are not traced back to lines")
        return
    trace = getattr(inductor_config, "trace", None)
    if trace is not None and hasattr(trace, "provenance_tracking_level"):
        if not trace.provenance_tracking_level:
            trace.provenance_tracking_level = 1
    elif trace is not None and hasattr(trace, "provenance_tracking"):
        trace.provenance_tracking = True  # releases before the level replaced the switch
    else:
        notes.append(f"torch {torch.__version__} has no Inductor provenance tracking: kernels are not traced "
                     "back to lines")


# ---- frames


def frames(stack: str) -> list[tuple[str, int]]:
    """``(file, line)`` of every frame in a stack trace or source range, outermost first."""
    found = [(m["file"], int(m["line"])) for m in _PY_FRAME.finditer(stack)]
    if not found:
        found = [(m["file"].strip(), int(m["line"])) for m in _TRACE_FRAME.finditer(stack)]
        found.reverse()  # the tracer writes the innermost frame first
    return found


def user_line(stack: str, user_file: Path | None) -> tuple[str, int] | None:
    """The frame a stack is charged to: the innermost one in the user's file,
    else the innermost outside torch itself, else the innermost; ``None``
    without a frame in a real file."""
    # ``<string>`` frames are TorchScript's own gradient formulas, no file of the user's.
    found = [f for f in frames(stack) if not f[0].startswith("<")]
    if not found:
        return None
    if user_file is not None:
        mine = [f for f in found if _same_file(f[0], user_file)]
        if mine:
            return str(user_file), mine[-1][1]
    outside = [f for f in found if not f[0].startswith(_TORCH_DIR)]
    return (outside or found)[-1]


def _same_file(name: str, path: Path) -> bool:
    try:
        return Path(name).resolve() == path
    except (OSError, ValueError):
        return False


def even_origins(lines: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    """Distinct lines, each with an equal share."""
    distinct = sorted(set(lines), key=lambda fl: (fl[0], fl[1]))
    if not distinct:
        return []
    share = 1.0 / len(distinct)
    return [{"file": f, "line": n, "share": share} for f, n in distinct]


def weighted_origins(counts: Counter) -> list[dict[str, Any]]:
    """Lines with shares proportional to their counts."""
    total = sum(counts.values())
    if not total:
        return []
    return [{"file": f, "line": n, "share": c / total} for (f, n), c in sorted(counts.items())]


# ---- compile


def inductor_stacks() -> tuple[dict[tuple[str, str], list[str]], int]:
    """``(phase, kernel name)`` -> stack traces, from Dynamo's compilation metrics;
    and how many compiled graphs had no provenance recorded.

    The phase keeps apart a forward and a backward kernel of the same name
    (``triton_poi_fused_mul_0`` in both graphs).
    """
    from torch._dynamo.utils import get_compilation_metrics

    stacks: dict[tuple[str, str], list[str]] = {}
    missing = 0
    for m in get_compilation_metrics():
        recorded = getattr(m, "inductor_provenance", None)
        if not recorded:
            missing += 1
            continue
        phase = "bwd" if getattr(m, "is_forward", True) is False else "fwd"
        for text in recorded:
            try:
                table = json.loads(text)
            except (TypeError, ValueError):
                continue
            for key, traces in (table or {}).items():
                stacks.setdefault((phase, _HANDLE.sub("", key)), []).extend(
                    t for t in traces or [] if isinstance(t, str))
    return stacks, missing


def compile_origins(stacks: dict[tuple[str, str], list[str]], user_file: Path | None,
                    notes: list[str] | None = None) -> dict[Any, list[dict[str, Any]]]:
    """``(phase, kernel name)`` -> origins, and ``kernel name`` -> origins over both phases.

    ``extern_kernels.mm`` is also filed as ``aten::mm``, the op the profiler
    shows for it on a CPU and that launches its library kernel on CUDA.

    A graph served from Inductor's cache carries the stack traces of the
    compile that filled the cache: if the file was edited since, its lines
    have moved. Each frame quotes its line of code; a line whose text no
    longer matches is found again by its text (the nearest match), or dropped.
    """
    current = _read_lines(user_file)
    moved: set[tuple[int, int | None]] = set()
    lines: dict[Any, list[tuple[str, int]]] = {}
    for (phase, name), traces in stacks.items():
        found = []
        for trace in traces:
            fl = user_line(trace, user_file)
            if fl is not None and current is not None and user_file is not None and _same_file(fl[0], user_file):
                now = _relocated(trace, fl[1], current)
                if now != fl[1]:
                    moved.add((fl[1], now))
                fl = None if now is None else (fl[0], now)
            if fl:
                found.append(fl)
        names = [name] + (["aten::" + name.split(".", 1)[1]] if name.startswith("extern_kernels.") else [])
        for n in names if found else ():
            lines.setdefault((phase, n), []).extend(found)
            lines.setdefault(n, []).extend(found)
    if moved and notes is not None:
        lost = sum(1 for _old, new in moved if new is None)
        notes.append(f"Inductor's kernels came from its cache, compiled when {len(moved)} of the lines they name "
                     "were elsewhere in the file: those were found again by their text"
                     + (f" ({lost} no longer exist and are left out)" if lost else ""))
    return {key: even_origins(found) for key, found in lines.items()}


def _read_lines(path: Path | None) -> list[str] | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines() if path else None
    except OSError:
        return None


def _relocated(trace: str, line: int, current: list[str]) -> int | None:
    """``line``, or where the code a traceback frame quotes for it is now (``None``: gone)."""
    quoted = None
    for m in _PY_FRAME.finditer(trace):
        if int(m["line"]) == line and m["fn"]:
            rest = trace[m.end():].split("\n")
            quoted = rest[1].strip() if len(rest) > 1 else None
    if not quoted:
        return line  # nothing to check against
    if 0 < line <= len(current) and current[line - 1].strip() == quoted:
        return line
    same = [i + 1 for i, text in enumerate(current) if text.strip() == quoted]
    return min(same, key=lambda n: abs(n - line)) if same else None


# ---- TorchScript


def node_line(node: Any, user_file: Path | None) -> tuple[str, int] | None:
    """The line of one TorchScript node, from its source range."""
    try:
        text = node.sourceRange()
    except RuntimeError:
        return None
    return user_line(text, user_file) if text else None


def _walk(block: Any, into_groups: bool = False) -> Iterable[Any]:
    """Every node of a graph, inside blocks too (and inside fusion groups' subgraphs)."""
    for node in block.nodes():
        yield node
        for sub in node.blocks():
            yield from _walk(sub, into_groups)
        if into_groups and node.kind() in _GROUP_KINDS and "Subgraph" in node.attributeNames():
            yield from _walk(node.g("Subgraph"), into_groups)


def torchscript_origins(plans: list[tuple[str, str, Any]], groups: list[dict[str, Any]],
                        user_file: Path | None) -> tuple[dict[tuple[str, str], list[dict[str, Any]]],
                                                         dict[tuple[str, str], int]]:
    """``(phase, row name) -> origins`` for a script or trace variant, and
    ``(phase, op kind) -> calls per iteration`` where the graphs fix it (no
    node of that kind inside a loop).

    A row may hold more calls than the graphs make (the ``sum`` jitlab's loss
    takes of the output is an ``aten::sum`` too): :func:`attach` charges the
    lines only the graphs' part of it.

    Also sets ``origins`` on each fusion group record, which
    :func:`jitlab.runner.introspect.fusion.describe_groups` made from the same
    plans in the same order. A backward graph's nodes come from TorchScript's
    gradient formulas, not from the user's file; they are charged to the lines
    of the forward graph they differentiate (``DifferentiableGraph j``), evenly.
    """
    from jitlab.runner.introspect import fusion

    forward_lines: dict[str, set] = {}
    for phase, where, graph in plans:
        if phase == "fwd":
            lines = {node_line(n, user_file) for n in _walk(graph, True) if n.kind() not in _NOT_OPS}
            forward_lines[_graph_key(where)] = {fl for fl in lines if fl}

    by_kind: dict[tuple[str, str], Counter] = {}
    calls: dict[tuple[str, str], int] = {}
    in_loops: set[tuple[str, str]] = set()
    nodes = []
    for phase, where, graph in plans:
        fallback = sorted(forward_lines.get(_graph_key(where), ())) if phase == "bwd" else []
        for node in fusion.fusion_nodes(graph):
            nodes.append((node, fallback))
        for node, looped in _walk_loops(graph):
            kind = node.kind()
            if kind in _NOT_OPS or kind in fusion.FUSION_KINDS:
                continue
            calls[(phase, kind)] = calls.get((phase, kind), 0) + 1
            if looped:
                in_loops.add((phase, kind))
            line = node_line(node, user_file)
            counts = by_kind.setdefault((phase, kind), Counter())
            if line:
                counts[line] += 1
            for fl in fallback if not line else ():
                counts[fl] += 1 / len(fallback)
    out = {key: weighted_origins(c) for key, c in by_kind.items() if c}
    for (node, fallback), group in zip(nodes, groups):
        if "Subgraph" not in node.attributeNames():
            continue
        lines = [node_line(n, user_file) for n in node.g("Subgraph").nodes() if n.kind() not in _NOT_OPS]
        group["origins"] = even_origins([fl for fl in lines if fl] or fallback)
        if group.get("kernel_name") and group["origins"]:
            out[(group["phase"], group["kernel_name"])] = group["origins"]
    return out, {key: n for key, n in calls.items() if key not in in_loops}


def _walk_loops(block: Any, looped: bool = False) -> Iterable[tuple[Any, bool]]:
    """Every node of a graph (inside blocks too), and whether it sits in a ``prim::Loop``."""
    for node in block.nodes():
        yield node, looped
        inner = looped or node.kind() == "prim::Loop"
        for sub in node.blocks():
            yield from _walk_loops(sub, inner)


def _graph_key(where: str) -> str:
    """``DifferentiableGraph 3`` of ``DifferentiableGraph 3: backward``; other graphs pair with nothing."""
    return where.split(":")[0] if where.startswith("DifferentiableGraph") else where + "#"


# ---- the kernel table


def attach(kernels: dict[str, Any], variant: str, by_name: dict[Any, list[dict[str, Any]]],
           user_file: Path | None, notes: list[str], calls: dict[tuple[str, str], int] | None = None) -> None:
    """Set ``origins`` on every kernel row found in ``by_name`` (keyed by name,
    or by ``(phase, name)``; on CUDA also by the ops a row was ``launched_by``),
    and describe the mapping in ``kernels["lines"]``. ``calls`` caps a row's
    shares at the graphs' part of its calls (see :func:`torchscript_origins`)."""
    mapped = 0
    for row in kernels.get("items") or []:
        origins = None
        # A CUDA library kernel is found through the ATen op that launched it (innermost first).
        for name in [row["name"], *(row.get("launched_by") or [])]:
            origins = by_name.get((row["phase"], name)) or by_name.get(name)
            if origins:
                break
        if origins:
            made = (calls or {}).get((row["phase"], name))
            count = row.get("count") or 0
            if made and count > made:
                # The graphs make ``made`` of the row's calls; the rest (jitlab's loss, autograd) stays untraced.
                origins = [{**o, "share": o["share"] * made / count} for o in origins]
            row["origins"] = origins
            mapped += 1
    rows = len(kernels.get("items") or [])
    kernels["lines"] = {
        "source": SOURCES.get(variant.split(":")[0], "recorded source lines"),
        "split": SPLIT_RULE,
        "file": str(user_file) if user_file else None,
        "mapped_rows": mapped,
        "rows": rows,
    }
    if rows and not mapped:
        notes.append(f"no kernel of {variant} could be traced back to a source line")
