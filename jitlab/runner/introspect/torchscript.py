"""Graphs of a scripted or traced module: the input IR, the optimized plans
the profiling executor built, and the fusion groups inside them.

The optimized plans come from ``get_debug_state()``: the outer execution
plan, then for every ``prim::DifferentiableGraph`` the optimized forward
(``differentiable_op_executor_states``) and, once a backward has run, the
backward (``grad_executor_states``). ``graph_for`` and
``last_executed_optimized_graph`` are avoided: the first may run the model,
the second returns whichever graph ran last on the thread.
"""

from __future__ import annotations

from typing import Any

import torch

from jitlab.runner.introspect import fusion
from jitlab.runner.introspect.limits import attempt, clip

NO_LLVM_NOTE = (
    "no fusion on CPU: this torch build has no LLVM; run with --cpu-fusion to see NNC's groups through its "
    "(slow) interpreter"
)


def collect(fn: Any, train: bool, device: torch.device, cpu_fusion: bool, notes: list[str]) -> dict[str, Any]:
    """The ``graphs`` record of a script or trace variant.

    Returns
    -------
    dict
        ``graph``, ``inlined_graph``, ``code`` (the unoptimized input),
        ``optimized`` ``{forward, backward}`` (texts) and ``fusion_groups``.
    """
    graphs: dict[str, Any] = {"graph": None, "inlined_graph": None, "code": None,
                              "optimized": {"forward": None, "backward": None}, "fusion_groups": []}
    with attempt(notes, "the TorchScript graph"):
        graphs["graph"] = clip(fn.graph, "the TorchScript graph", notes)
    with attempt(notes, "the inlined TorchScript graph"):
        graphs["inlined_graph"] = clip(fn.inlined_graph, "the inlined graph", notes)
    with attempt(notes, "the TorchScript code"):
        graphs["code"] = clip(fn.code, "the TorchScript code", notes)
    plans: list[tuple[str, str, Any]] = []
    with attempt(notes, "the optimized graph"):
        try:
            plans = optimized_plans(fn, train, notes)
        except RuntimeError as exc:
            if "optimized_plan_" not in str(exc):
                raise
            # get_debug_state asserts until the executor has built its plan.
            notes.append("no optimized graph: the profiling executor had not built its optimized plan yet "
                         "(it needs two or three calls); run with more warm-up iterations")
    fwd = [(where, g) for phase, where, g in plans if phase == "fwd"]
    bwd = [(where, g) for phase, where, g in plans if phase == "bwd"]
    graphs["optimized"] = {
        "forward": clip(_join(fwd), "the optimized forward graph", notes) if fwd else None,
        "backward": clip(_join(bwd), "the backward graph", notes) if bwd else None,
    }
    with attempt(notes, "the fusion groups"):
        graphs["fusion_groups"] = fusion.describe_groups(plans, device.type == "cuda", notes)
    if plans and not graphs["fusion_groups"]:
        notes.append(why_no_fusion(device, cpu_fusion))
    return graphs


def optimized_plans(fn: Any, train: bool, notes: list[str]) -> list[tuple[str, str, Any]]:
    """``(phase, where, graph)`` for every optimized graph of ``fn.forward``.

    Raises
    ------
    RuntimeError
        From ``get_debug_state`` when no optimized plan exists yet.
    """
    state = _debug_state(fn)
    plans = list(state.execution_plans.values())
    if not plans:
        notes.append("the executor holds no optimized plan (the variant ran too few times to be optimized)")
        return []
    out: list[tuple[str, str, Any]] = []
    diff_count = 0
    for i, plan in enumerate(plans):
        label = "execution plan" if len(plans) == 1 else f"execution plan {i}"
        out.append(("fwd", label, plan.graph))
        code = plan.code
        fwd_states = list(code.differentiable_op_executor_states())
        diff_count += len(fwd_states)
        for j, st in enumerate(fwd_states):
            for sub in st.execution_plans.values():
                out.append(("fwd", f"DifferentiableGraph {j}: optimized forward", sub.graph))
        if not (train and fwd_states):
            continue
        try:
            grad_states = list(code.grad_executor_states())
        except RuntimeError as exc:
            # Raised until a backward has run through the graph, and also when the grad executors
            # keep no plan to read (seen on CPU for the LSTM after many backward passes).
            notes.append(f"no backward plan could be read from the grad executors ({str(exc).splitlines()[0][:120]})")
            continue
        for j, st in enumerate(grad_states):
            for sub in st.execution_plans.values():
                out.append(("bwd", f"DifferentiableGraph {j}: backward", sub.graph))
    if train and diff_count == 0:
        notes.append("no DifferentiableGraph in the optimized plan: autograd records the backward op by op, as in "
                     "eager mode, so there is no backward graph to show")
    return out


def _debug_state(fn: Any) -> Any:
    """The executor state of the module's ``forward`` (or of a script function)."""
    if hasattr(fn, "get_debug_state"):
        return fn.get_debug_state()
    return fn.forward.get_debug_state()


def _join(parts: list[tuple[str, Any]]) -> str:
    return "\n".join(f"# ---- {where}\n{graph}" for where, graph in parts)


def why_no_fusion(device: torch.device, cpu_fusion: bool) -> str:
    """A sentence saying why the optimized graphs hold no fusion group."""
    c = torch._C
    if hasattr(c, "_jit_texpr_fuser_enabled") and not c._jit_texpr_fuser_enabled():
        return ("no fusion: the NNC (TensorExpr) fuser is off in this process (PYTORCH_TENSOREXPR=0 or "
                "torch._C._jit_set_texpr_fuser_enabled(False))")
    if hasattr(c, "_get_graph_executor_optimize") and not c._get_graph_executor_optimize():
        return "no fusion: graph executor optimization is off (torch.jit.optimized_execution(False))"
    if device.type == "cpu":
        llvm = c._llvm_enabled() if hasattr(c, "_llvm_enabled") else False
        if not cpu_fusion and not llvm:
            return NO_LLVM_NOTE
        if hasattr(c, "_jit_can_fuse_on_cpu") and not c._jit_can_fuse_on_cpu():
            return ("no fusion on CPU: NNC's CPU fusion is off by default; run with --cpu-fusion to turn it on "
                    "for this variant")
    return ("no fusion group: NNC fuses runs of at least two pointwise ops (elementwise math, activations) on "
            "tensors of known dtype, device and shape; matmuls, convolutions, reductions and ops it cannot "
            "compile stay separate kernels")
