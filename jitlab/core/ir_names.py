"""Names in TorchScript's and Inductor's texts that the runner records and the views find again.

The runner walks the live graph for fusion nodes and reads Inductor's generated modules for kernel
names; the panes find the same nodes and kernels in the recorded text. One list of node kinds and
one kernel pattern keep the two from drifting apart when a fuser is added.
"""

from __future__ import annotations

import re

#: Node kinds of the fusers TorchScript has had: NNC (TensorExpr), its dynamic-shape form, the legacy
#: fuser, nvFuser and oneDNN Graph.
FUSION_KINDS = (
    "prim::TensorExprGroup",
    "prim::TensorExprDynamicGroup",
    "prim::FusionGroup",
    "prim::CudaFusionGroup",
    "prim::oneDNNFusionGroup",
)
#: Groups that NNC compiles with ``TensorExprKernel``.
NNC_KINDS = ("prim::TensorExprGroup",)

_KINDS = "|".join(k.removeprefix("prim::") for k in FUSION_KINDS)
#: A fusion node's call in a graph's text: ``%5 : Tensor = prim::TensorExprGroup_0(%x)``.
FUSION_CALL = re.compile(rf"=\s*(prim::(?:{_KINDS})(?:_\d+)?)\(")
#: A fusion node's subgraph header in an optimized graph's text: ``with prim::TensorExprGroup_0 = graph(``.
FUSION_DEF = re.compile(rf"^with (prim::(?:{_KINDS})(?:_\d+)?) = graph\(")

#: Inductor binds each kernel at module level: ``name = async_compile.triton('name', '''...''')``
#: (or ``.cpp_pybinding``, ``.cuda``, ...); group 1 is the name, group 2 how it is compiled.
KERNEL_DEF = re.compile(r"^(\w+) = async_compile\.(\w+)\(", re.M)


def kernel_names(source: str) -> list[str]:
    """The kernels a generated module defines, in order."""
    return [m.group(1) for m in KERNEL_DEF.finditer(source)]
