"""The name NNC gives a fusion group's kernel.

``TensorExprKernel`` does not expose the name it records in the profiler
(``RECORD_FUNCTION(kernel->getKernelName())`` in ``tensorexpr_fuser.cpp``),
so it is derived here exactly as ``SubgraphUtils::generateNameForGraph``
builds it: ``fused`` followed by ``_<op>`` for every ``aten::`` node of the
group's subgraph, and, past 40 characters, truncated and suffixed with the
decimal ``std::hash`` of the full name. That hash is libstdc++'s
``_Hash_bytes`` (MurmurHash2, 64-bit) on Linux builds; other C++ libraries
hash differently, which is why the caller checks the result against the
profiler's op names (:func:`match_profiled`).
"""

from __future__ import annotations

from typing import Any, Iterable

#: ``generateNameForGraph`` defaults.
MAX_LEN = 40
PREFIX = "fused"

_MASK = (1 << 64) - 1
_MUL = (0xC6A4A793 << 32) + 0x5BD1E995
#: The seed ``std::hash<std::string>`` passes to ``_Hash_bytes``.
_SEED = 0xC70F6907


def _shift_mix(v: int) -> int:
    return v ^ (v >> 47)


def std_hash(data: bytes, seed: int = _SEED) -> int:
    """libstdc++'s 64-bit ``std::_Hash_bytes`` of ``data``."""
    n = len(data)
    aligned = n & ~7
    h = (seed ^ (n * _MUL)) & _MASK
    for i in range(0, aligned, 8):
        word = int.from_bytes(data[i:i + 8], "little")
        h ^= (_shift_mix((word * _MUL) & _MASK) * _MUL) & _MASK
        h = (h * _MUL) & _MASK
    if n & 7:
        h ^= int.from_bytes(data[aligned:], "little")
        h = (h * _MUL) & _MASK
    h = (_shift_mix(h) * _MUL) & _MASK
    return _shift_mix(h)


def truncate_with_hash(name: str, max_len: int = MAX_LEN) -> str:
    """``truncateStrWithHash``: keep short names, cut long ones and append their hash."""
    if len(name) <= max_len:
        return name
    digest = str(std_hash(name.encode()))
    keep = max_len - len(digest) - 1 if max_len > len(digest) + 1 else max_len
    return f"{name[:keep]}_{digest}"


def full_name(op_kinds: Iterable[str], prefix: str = PREFIX) -> str:
    """The untruncated name for a subgraph whose top-level node kinds are ``op_kinds``."""
    parts = [prefix]
    parts += [kind.split("::", 1)[1] for kind in op_kinds if kind.startswith("aten::")]
    return "_".join(parts)


def kernel_name(subgraph: Any) -> str:
    """The kernel name NNC derives from a fusion group's ``Subgraph`` (a ``torch.Graph``)."""
    return truncate_with_hash(full_name(node.kind() for node in subgraph.nodes()))


def stem(name: str) -> str:
    """The part of a kernel name before an appended hash (the whole name if none)."""
    head, _, tail = name.rpartition("_")
    return head if head and tail.isdigit() and len(tail) >= 8 else name


def match_profiled(derived: str, profiled: Iterable[str]) -> str | None:
    """The profiler's op name for a kernel whose derived name is ``derived``.

    The exact name if the profiler saw it; otherwise the single profiled
    ``fused_`` name with the same truncated stem (a C++ library whose
    ``std::hash`` differs); otherwise ``None``.
    """
    names = set(profiled)
    if derived in names:
        return derived
    if stem(derived) == derived:
        return None
    same = [n for n in names if n != derived and stem(n) == stem(derived)]
    return same[0] if len(same) == 1 else None
