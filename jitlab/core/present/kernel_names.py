"""Readable names for the kernels a profiler lists (no Qt).

CUDA kernels of ATen are instantiated templates whose demangled names run to
hundreds of characters::

    void at::native::vectorized_elementwise_kernel<4, at::native::BinaryFunctor<float, float, float,
    at::native::binary_internal::MulFunctor<float> >, std::array<char*, 3ul> >(int, ...)

:func:`short_name` keeps what a person needs to tell kernels apart, the
family and the operation, here ``elementwise<Mul>``. Names that are already
short (``aten::mul``, ``triton_poi_fused_add_mul_0``) pass through; NNC's
``fused_..._<hash>`` names lose the hash. The full name always stays in the
record: views show it on hover and copy it.
"""

from __future__ import annotations

import re

#: Kernel families, by the (last component of the) template's name.
FAMILIES = {
    "vectorized_elementwise_kernel": "elementwise",
    "unrolled_elementwise_kernel": "elementwise",
    "elementwise_kernel": "elementwise",
    "elementwise_kernel_with_index": "elementwise",
    "reduce_kernel": "reduce",
    "index_elementwise_kernel": "index",
}
#: Families whose plain (non-vectorized) form walks strided or broadcast operands.
_STRIDED = {"elementwise_kernel", "unrolled_elementwise_kernel"}
#: Functor templates that only wrap the operation (its name is in their arguments).
_WRAPPERS = {"Binary", "AUnary", "BUnary", "Unary", "Ternary", "Opmath", "OpMath", "Func", "func"}
_SCALAR_WRAPPERS = ("AUnaryFunctor<", "BUnaryFunctor<")
#: Where the operation's name sits inside the template arguments, most specific first.
_OP_PATTERNS = (
    re.compile(r"(\w+?)_kernel_cuda\b"),          # tanh_kernel_cuda(...)::{lambda...}
    re.compile(r"launch_(\w+?)_(?:scalar|kernel)\b"),  # launch_clamp_scalar(...)
    re.compile(r"(\w+?)_kernel_impl\b"),           # threshold_kernel_impl<float>(...)
    re.compile(r"CUDAFunctor(?:OnSelf|OnOther)?_(\w+?)<"),  # CUDAFunctor_add<float>
    re.compile(r"(\w+?)Functor<"),                 # MulFunctor<float>, FillFunctor<float>
    re.compile(r"(\w+?)_functor<"),                # sum_functor<float, float, float>
    re.compile(r"(\w+?)Ops<"),                     # MeanOps<float, float>, NormOps<...>
    re.compile(r"(\w+?)_kernel\b"),
)
_RENAME = {"direct_copy": "copy", "CUDA": None}
_NNC_HASH = re.compile(r"^(fused_\w+?)_\d{6,}$")
_XMMA = re.compile(r"^sm(\d+)_xmma_gemm_\w*?_(nn|nt|tn|tt)_n_tilesize(\d+x\d+x\d+)")
_SIMPLE_TYPES = {"float", "double", "half", "c10::Half", "c10::BFloat16", "__half", "__nv_bfloat16", "int", "long"}
#: Longest name shown as is; longer ones without a recognised shape are cut.
MAX_PLAIN = 72


def short_name(name: str) -> str:
    """A readable short form of a kernel name (see the module docstring)."""
    n = (name or "").strip()
    if not n:
        return n
    m = _NNC_HASH.match(n)
    if m:
        return m.group(1)
    if "<" not in n and "(" not in n.replace(" (Device)", ""):
        m = _XMMA.match(n)
        if m:
            return f"gemm<{m.group(2)}> (cuBLAS sm{m.group(1)} {m.group(3)})"
        return _cut(n)
    templ = _split_template(n)
    if templ is None:
        return _cut(n)
    qualified, args = templ
    base = qualified.split("::")[-1]
    if base in ("Kernel", "Kernel2", "kernel") and args:
        first = _top_level_args(args)[0].strip()
        if re.fullmatch(r"\w+", first):
            return _cut(first)
    family = FAMILIES.get(base)
    op = _find_op(args) if args is not None else None
    if family is None:
        family = base[:-7] if base.endswith("_kernel") and len(base) > 7 else base
        if op is None and args:
            op = next((a.strip() for a in _top_level_args(args) if a.strip() in _SIMPLE_TYPES), None)
    parts = [op or "…"] if args is not None else []
    if family == "elementwise" and args is not None:
        if any(w in args for w in _SCALAR_WRAPPERS):
            parts.append("scalar")
        if base in _STRIDED:
            parts.append("strided")
    return _cut(f"{family}<{', '.join(parts)}>" if parts else family)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_PLAIN else text[: MAX_PLAIN - 1] + "…"


def _split_template(name: str) -> tuple[str, str | None] | None:
    """``(qualified name, template arguments or None)`` of a demangled function name."""
    text = name.replace("(anonymous namespace)", "anon")
    if text.startswith("void "):
        text = text[5:]
    m = re.match(r"[\w:~]+", text)
    if not m:
        return None
    qualified = m.group(0)
    rest = text[m.end():]
    if not rest.startswith("<"):
        return qualified, None
    depth = 0
    for i, ch in enumerate(rest):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
            if depth == 0:
                return qualified, rest[1:i]
    return qualified, rest[1:]


def _top_level_args(args: str) -> list[str]:
    """Template arguments split at the commas of the outermost level."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(args):
        if ch in "<({[":
            depth += 1
        elif ch in ">)}]":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(args[start:i])
            start = i + 1
    out.append(args[start:])
    return out


def _find_op(args: str) -> str | None:
    for pattern in _OP_PATTERNS:
        for m in pattern.finditer(args):
            word = m.group(1).split("::")[-1]
            if word in _WRAPPERS or not word:
                continue
            word = _RENAME.get(word, word)
            if word is None:
                continue
            if pattern.pattern.startswith("CUDAFunctor"):
                word = word[:1].upper() + word[1:]
            return word
    return None
