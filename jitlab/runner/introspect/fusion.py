"""Fusion groups in TorchScript's optimized graphs, and the kernels NNC makes of them.

A fuser replaces a run of ops with one node that holds them as its
``Subgraph``. The node usually sits inside a ``prim::If`` (a type check
chooses between the fused path and a fallback), so the search goes through
every block.
"""

from __future__ import annotations

from typing import Any

import torch

from jitlab.core.ir_names import FUSION_KINDS, NNC_KINDS
from jitlab.runner.introspect import nnc_names
from jitlab.runner.introspect.limits import GROUP_LIMIT, attempt, clip

#: Nodes that hold values, not work; left out of a group's op list.
_NOT_OPS = ("prim::Constant",)


def fusion_nodes(graph_or_block: Any) -> list[Any]:
    """Every fusion node in a graph, in order, including those inside blocks.

    A ``prim::TensorExprDynamicGroup`` wraps its guards and the actual
    ``prim::TensorExprGroup`` in its own subgraph, so that subgraph is searched too.
    """
    found: list[Any] = []
    for node in graph_or_block.nodes():
        kind = node.kind()
        if kind in FUSION_KINDS:
            found.append(node)
            if kind == "prim::TensorExprDynamicGroup" and "Subgraph" in node.attributeNames():
                found.extend(fusion_nodes(node.g("Subgraph")))
        for block in node.blocks():
            found.extend(fusion_nodes(block))
    return found


def describe_groups(graphs: list[tuple[str, str, Any]], on_cuda: bool, notes: list[str]) -> list[dict[str, Any]]:
    """One record per fusion node in ``graphs``.

    Parameters
    ----------
    graphs : list of (phase, where, torch.Graph)
        Optimized graphs with their phase (``fwd``/``bwd``) and a label.
    on_cuda : bool
        Whether the kernels run on a CUDA device (then NNC's source is CUDA C).
    notes : list of str
    """
    groups: list[dict[str, Any]] = []
    total = 0
    for phase, where, graph in graphs:
        for node in fusion_nodes(graph):
            total += 1
            if len(groups) < GROUP_LIMIT:
                groups.append(describe_group(node, phase, where, on_cuda, notes))
    if total > len(groups):
        notes.append(f"{total} fusion groups; only the first {len(groups)} are described")
    return groups


def describe_group(node: Any, phase: str, where: str, on_cuda: bool, notes: list[str]) -> dict[str, Any]:
    """What one fusion node fused and, for NNC groups, the kernel it became."""
    kind = node.kind()
    entry: dict[str, Any] = {
        "kind": kind, "phase": phase, "where": where, "ops": [], "subgraph": None,
        "kernel_name": None, "kernel_name_source": None, "cuda_source": None, "nnc_ir": None,
    }
    if "Subgraph" not in node.attributeNames():
        return entry
    sub = node.g("Subgraph")
    entry["ops"] = [n.kind() for n in sub.nodes() if n.kind() not in _NOT_OPS]
    entry["subgraph"] = clip(str(sub), f"the subgraph of a {kind}", notes)
    if kind not in NNC_KINDS:
        return entry
    short = kind.split("::")[-1]
    with attempt(notes, f"the kernel name of a {short}"):
        entry["kernel_name"] = nnc_names.kernel_name(sub)
        entry["kernel_name_source"] = "derived"
    entry.update(nnc_kernel_text(sub, short, on_cuda, notes))
    return entry


def nnc_kernel_text(subgraph: Any, short: str, on_cuda: bool, notes: list[str]) -> dict[str, Any]:
    """NNC's loop-nest IR and generated source for a group's subgraph (and
    the kernel's name, where the binding exposes it).

    ``TensorExprKernel`` compiles a second copy of the group with the same
    code generator the executor used, which is the only in-process route to
    the source; on CPU builds without LLVM its interpreter has no source.
    """
    out: dict[str, Any] = {}
    te = getattr(torch._C, "_te", None)
    make = getattr(te, "TensorExprKernel", None)
    if make is None:
        notes.append("this torch has no torch._C._te.TensorExprKernel: NNC's kernel IR and source were not recorded")
        return out
    with attempt(notes, f"NNC's code for a {short}"):
        kernel = make(subgraph)
        # No release binds TensorExprKernel::getKernelName yet; use it once one does.
        for getter in ("get_kernel_name", "getKernelName", "kernel_name"):
            value = getattr(kernel, getter, None)
            name = value() if callable(value) else value
            if isinstance(name, str) and name:
                out["kernel_name"], out["kernel_name_source"] = name, "TensorExprKernel"
                break
        if hasattr(kernel, "get_codegen_stmt"):
            out["nnc_ir"] = clip(str(kernel.get_codegen_stmt()), "NNC's loop-nest IR", notes)
        code = kernel.get_code_text() if hasattr(kernel, "get_code_text") else ""
        if code and on_cuda:
            out["cuda_source"] = clip(code, "NNC's CUDA source", notes)
        elif code:
            # An LLVM build returns LLVM IR here; keep it apart from CUDA source.
            out["llvm_ir"] = clip(code, "NNC's LLVM IR", notes)
    return out


def link_profiled_names(groups: list[dict[str, Any]], profiled: list[str], notes: list[str]) -> None:
    """Check each group's derived kernel name against the profiler's op names.

    A name the profiler saw is marked verified; a group whose derived name is
    missing but whose truncated stem matches one profiled name takes that name.
    """
    fused = [n for n in profiled if n.startswith(nnc_names.PREFIX + "_")]
    for g in groups:
        name = g.get("kernel_name")
        if not name:
            continue
        seen = nnc_names.match_profiled(name, fused)
        if seen == name:
            g["kernel_name_source"] = f"{g.get('kernel_name_source') or 'derived'}, seen in the profile"
        elif seen:
            g["kernel_name"] = seen
            g["kernel_name_source"] = "profile (matched by its op names)"
        elif fused:
            notes.append(f"fusion kernel {name} was not among the profiled ops; its name is derived, not observed")
