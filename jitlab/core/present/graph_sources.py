"""The texts a session holds about a variant's graphs and kernels, as
documents a view can list and show (no Qt).

A :class:`Document` is one text (a TorchScript graph, an optimized plan, a
fusion group's subgraph, a kernel's source, a Dynamo graph, Inductor's
code) with its language and a note for when it is absent. The module also
finds, in an optimized graph's text, the lines of the fusion nodes (and
which recorded group each one is), the ``# file.py:12:8`` source comments,
and the kernels inside Inductor's generated code.
"""

from __future__ import annotations

from pathlib import Path

import re
from dataclasses import dataclass, field
from typing import Any

from jitlab.core.variants import is_compile
from jitlab.core.ir_names import FUSION_CALL, FUSION_DEF, KERNEL_DEF
from jitlab.core.present.absent import absent_note, fusion_notes  # noqa: F401 - G.absent_note for the panes
from jitlab.core.present.kernel_names import short_name

_SECTION = re.compile(r"^# ---- (.*?)\s*$")
#: ``# /path/file.py:12:8`` (TorchScript) and ``# File: /path/file.py:14 in forward`` (Dynamo).
SOURCE_COMMENT = re.compile(r"#\s*(?:File:\s*)?(?P<file>(?:[A-Za-z]:)?[^\s:#<>'\"]+\.py)"
                            r":(?P<line>\d+)(?::(?P<col>\d+))?")
_KERNEL_LANG = {"triton": "Triton", "cpp_pybinding": "C++", "cpp": "C++", "cuda": "CUDA C", "halide": "Halide"}
_INDUCTOR_NOTE = ("{language} source Inductor generated; the comments above it name the graph's nodes "
                  "(your code's operations) it fuses")
LANGUAGE_OF_SOURCE = {"Triton": "python", "C++": "c", "CUDA C": "c", "NNC IR": "c", "LLVM IR": "llvm", "Halide": "c"}


@dataclass
class Document:
    """One text a graph pane can show.

    Attributes
    ----------
    variant, key : str
        Where it comes from (``key`` as :func:`documents` names it).
    label : str
        Its entry in a selector.
    text : str or None
        ``None`` when the session holds no such text (then ``note`` says why).
    language : str
        ``ir`` (TorchScript), ``python``, ``c`` or ``llvm``.
    note : str
        Shown above the text: why it is absent, or a caveat.
    group : int or None
        The fusion group a subgraph or kernel source belongs to.
    companions : list of (label, text, language)
        Further texts shown with this one (a fusion group's kernel sources).
    focus : tuple of str
        Texts to scroll to, the first found (a kernel's name in its source).
    """

    variant: str
    key: str
    label: str
    text: str | None
    language: str = "ir"
    note: str = ""
    group: int | None = None
    companions: list[tuple[str, str, str]] = field(default_factory=list)
    focus: tuple[str, ...] = ()


# ---- documents of a variant


def documents(session: dict[str, Any], variant: str) -> list[Document]:
    """Every document the session holds for ``variant`` (at least one)."""
    rec = (session.get("variants") or {}).get(variant) or {}
    g = rec.get("graphs")
    if not g:
        return [Document(variant, "graph", "graph", None, note=absent_note(rec, variant, "graph"))]
    if "fx_graphs" in g or "kernel_names" in g:
        return _compile_documents(rec, variant, g)
    return _torchscript_documents(rec, variant, g)


def document(session: dict[str, Any], variant: str, key: str) -> Document | None:
    """The document ``key`` of ``variant``, or ``None``."""
    return next((d for d in documents(session, variant) if d.key == key), None)


def default_pair(session: dict[str, Any]) -> tuple[tuple[str, str], tuple[str, str]]:
    """``((variant, key), (variant, key))`` of the default side-by-side pair:
    the scripted module's graph and its optimized forward (else trace's, else compile's)."""
    variants = list((session.get("variants") or {}).keys())
    for name in ("script", "trace"):
        if name in variants:
            return (name, "graph"), (name, "optimized.forward")
    compiled = next((v for v in variants if is_compile(v)), None)
    if compiled is not None:
        return (compiled, "fx.0"), (compiled, "inductor.forward")
    first = variants[0] if variants else ""
    return (first, "graph"), (first, "graph")


def _torchscript_documents(rec: dict[str, Any], variant: str, g: dict[str, Any]) -> list[Document]:
    docs = []
    fusion_note = fusion_notes(rec)

    def add(key: str, label: str, text: str | None, language: str = "ir", note: str = "") -> None:
        docs.append(Document(variant, key, label, text, language,
                             note if text else (note or absent_note(rec, variant, label))))

    add("graph", "graph", g.get("graph"))
    add("code", "code", g.get("code"), "python")
    opt = g.get("optimized") or {}
    add("optimized.forward", "optimized forward", opt.get("forward"), note=fusion_note)
    add("optimized.backward", "optimized backward", opt.get("backward"), note=fusion_note)
    if g.get("inlined_graph") and g.get("inlined_graph") != g.get("graph"):
        add("inlined_graph", "inlined graph", g.get("inlined_graph"))
    groups = g.get("fusion_groups") or []
    for i, fg in enumerate(groups):
        sources = group_sources(fg)
        name = short_name(fg.get("kernel_name") or "") or fg.get("kind", "group")
        focus = _kernel_focus(fg.get("kernel_name"))
        docs.append(Document(variant, f"group.{i}", f"fusion group {i} ({fg.get('phase')}): subgraph → {name}",
                             fg.get("subgraph"), "ir", _group_note(fg), i,
                             [(f"kernel: {label}", text, language) for label, text, language in sources], focus))
        for label, text, language in sources:
            docs.append(Document(variant, f"group.{i}.{label}", f"fusion group {i}: {label}", text, language,
                                 f"kernel {fg.get('kernel_name')}", i, focus=focus))
    if not groups:
        docs.append(Document(variant, "group", "fusion groups", None,
                             note=fusion_note or "no fusion group in the optimized graphs"))
    return docs


def _kernel_focus(name: str | None) -> tuple[str, ...]:
    """Where a kernel's source starts: its name, else the usual entry-point markers."""
    return ((name,) if name else ()) + ("@triton.jit", 'extern "C"', "__global__")


def _group_note(fg: dict[str, Any]) -> str:
    ops = fg.get("ops") or []
    name = fg.get("kernel_name")
    head = f"{fg.get('kind')} in {fg.get('where')}: {len(ops)} ops"
    return head + (f" → kernel {name} ({fg.get('kernel_name_source')})" if name else "")


def group_sources(fg: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(label, text, language)`` of a fusion group's kernel: CUDA C, NNC IR, LLVM IR."""
    out = []
    for key, label in (("cuda_source", "CUDA C"), ("nnc_ir", "NNC IR"), ("llvm_ir", "LLVM IR")):
        if fg.get(key):
            out.append((label, fg[key], LANGUAGE_OF_SOURCE[label]))
    return out


def _compile_documents(rec: dict[str, Any], variant: str, g: dict[str, Any]) -> list[Document]:
    docs = []
    fx = g.get("fx_graphs") or []
    for i, text in enumerate(fx):
        docs.append(Document(variant, f"fx.{i}", f"Dynamo graph {i} (FX)", text, "python"))
    if not fx:
        docs.append(Document(variant, "fx.0", "Dynamo graph", None, note=absent_note(rec, variant, "Dynamo graph")))
    code = g.get("code") or {}
    for phase in ("forward", "backward"):
        text = code.get(phase)
        docs.append(Document(variant, f"inductor.{phase}", f"Inductor {phase} code", text, "python",
                             "" if text else absent_note(rec, variant, f"Inductor {phase} code")))
    for name, (language, source) in inductor_kernels(g).items():
        docs.append(Document(variant, f"kernel.{name}", f"kernel {name} ({language})", source,
                             LANGUAGE_OF_SOURCE.get(language, "c"), _INDUCTOR_NOTE.format(language=language)))
    return docs


# ---- fusion groups in an optimized graph


def fusion_links(text: str | None, groups: list[dict[str, Any]]) -> dict[int, int]:
    """Line number (0-based) → fusion group index, for every fusion node line
    (``... = prim::TensorExprGroup_0(...)``) and subgraph header
    (``with prim::TensorExprGroup_0 = graph(``) in an optimized graph's text.

    Sections start with ``# ---- <where>`` (as the runner joins plans); a node
    is matched to a recorded group of the same ``where`` by its subgraph's
    text, else by kind in order.
    """
    if not text or not groups:
        return {}
    lines = text.split("\n")
    bounds = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _SECTION.match(line))] or [(-1, None)]
    links: dict[int, int] = {}
    for k, (start, where) in enumerate(bounds):
        end = bounds[k + 1][0] if k + 1 < len(bounds) else len(lines)
        mine = [i for i, fg in enumerate(groups) if where is None or fg.get("where") == where]
        links.update(_link_section(lines, start + 1, end, mine, groups))
    return links


def _link_section(lines: list[str], start: int, end: int, mine: list[int],
                  groups: list[dict[str, Any]]) -> dict[int, int]:
    calls: list[tuple[int, str]] = []
    defs: dict[str, tuple[int, str]] = {}
    current: str | None = None
    body: list[str] = []
    for i in range(start, end):
        line = lines[i]
        m = FUSION_DEF.match(line)
        if m or line.startswith("with "):
            if current is not None:
                defs[current] = (defs[current][0], "\n".join(body))
            current = m.group(1) if m else None
            if m is not None and current is not None:
                defs[current] = (i, "")
                body = [line[len(f"with {current} = "):]]
            continue
        if current is not None:
            body.append(line)
        c = FUSION_CALL.search(line)
        if c:
            calls.append((i, c.group(1)))
    if current is not None:
        defs[current] = (defs[current][0], "\n".join(body))
    free = list(mine)
    by_name: dict[str, int] = {}
    links: dict[int, int] = {}
    for line_no, name in calls:
        if name not in by_name:
            sub = defs.get(name, (None, ""))[1].strip()
            pick = next((i for i in free if (groups[i].get("subgraph") or "").strip() == sub and sub), None)
            if pick is None:
                kind = name.split("::")[-1].rsplit("_", 1)[0] if re.search(r"_\d+$", name) else name.split("::")[-1]
                pick = next((i for i in free if (groups[i].get("kind") or "").endswith(kind)), None)
            if pick is None:
                continue
            free.remove(pick)
            by_name[name] = pick
        links[line_no] = by_name[name]
    for name, (line_no, _) in defs.items():
        if name in by_name:
            links[line_no] = by_name[name]
    return links


# ---- source comments


def source_link(line: str) -> tuple[str, int, int | None, int, int] | None:
    """``(file, line, column, start, end)`` of the first source comment in a
    line (``start``/``end``: the span of ``file:line[:col]`` in the line)."""
    m = SOURCE_COMMENT.search(line)
    if not m:
        return None
    col = m.group("col")
    return m.group("file"), int(m.group("line")), int(col) if col else None, m.start("file"), m.end()


#: Source files larger than this are not shown.
MAX_SOURCE_BYTES = 4 << 20


def locate_source(path: str) -> str | None:
    """``path`` if it exists here; else this installation's copy of a bundled example of that name
    (sessions keep the absolute paths of the machine that recorded them)."""
    p = Path(path)
    if p.is_file():
        return str(p)
    if p.parent.name == "examples":
        from jitlab.assets import resource_path

        bundled = resource_path("examples", p.name)
        if bundled.is_file():
            return str(bundled)
    return None


def read_source(path: str) -> str | None:
    """The text of a user's source file, or ``None`` if it cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(MAX_SOURCE_BYTES)
    except (OSError, ValueError):
        return None


# ---- Inductor's kernels and fused kernels' sources


def inductor_kernels(graphs: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Kernel name → ``(language, source)`` for every kernel in Inductor's code,
    with the comment lines Inductor wrote above it (its source nodes)."""
    code = graphs.get("code") or {}
    out: dict[str, tuple[str, str]] = {}
    for text in (code.get("forward"), code.get("backward")):
        for name, language, source in split_kernels(text or ""):
            out.setdefault(name, (language, source))
    return out


def split_kernels(text: str) -> list[tuple[str, str, str]]:
    """``(name, language, source)`` of each kernel defined in a generated module's text."""
    out = []
    for m in KERNEL_DEF.finditer(text):
        name, how = m.group(1), m.group(2)
        open_at = text.find("'''", m.end())
        if open_at < 0:
            continue
        close_at = text.find("'''", open_at + 3)
        if close_at < 0:
            close_at = len(text)
        source = text[open_at + 3:close_at].strip("\n")
        head: list[str] = []
        before = text[:m.start()].rstrip("\n").split("\n")
        while before and before[-1].startswith("#"):
            head.insert(0, before.pop())
        if head:
            source = "\n".join(head) + "\n\n" + source
        out.append((name, _KERNEL_LANG.get(how, how), source))
    return out


def kernel_source(session: dict[str, Any], variant: str, kernel: str) -> Document | None:
    """The source of a compiler-made kernel (NNC fusion group or Inductor), or ``None``."""
    rec = (session.get("variants") or {}).get(variant) or {}
    g = rec.get("graphs") or {}
    i = group_of_kernel(g, kernel)
    if i is not None:
        fg = g["fusion_groups"][i]
        sources = group_sources(fg)
        if not sources:
            return Document(variant, f"group.{i}", f"fusion group {i}", None,
                            note=f"{kernel}: no kernel source was recorded for this group; {fusion_notes(rec)}",
                            group=i)
        label, text, language = sources[0]
        more = [(f"kernel: {lbl}", t, lang) for lbl, t, lang in sources[1:]]
        if fg.get("subgraph"):
            more.append(("fusion group's subgraph", fg["subgraph"], "ir"))
        return Document(variant, f"group.{i}.{label}", f"fusion group {i}: {label}", text, language,
                        _group_note(fg), i, more, _kernel_focus(kernel))
    kernels = inductor_kernels(g)
    if kernel in kernels:
        language, source = kernels[kernel]
        return Document(variant, f"kernel.{kernel}", f"kernel {kernel} ({language})", source,
                        LANGUAGE_OF_SOURCE.get(language, "c"), _INDUCTOR_NOTE.format(language=language))
    return None


def group_of_kernel(graphs: dict[str, Any], kernel: str) -> int | None:
    """Index of the fusion group whose kernel is ``kernel``, or ``None``."""
    for i, fg in enumerate(graphs.get("fusion_groups") or []):
        if kernel and fg.get("kernel_name") == kernel:
            return i
    return None


_MODULE_HEAD = re.compile(r"^# ==== (\S+): (.*)$", re.M)


def compiled_modules(graphs: dict[str, Any]) -> dict[str, str]:
    """Graph id (``0_forward``) → the text of the wrapper module Inductor generated for it."""
    code = graphs.get("code") or {}
    out: dict[str, str] = {}
    for text in (code.get("forward") or "", code.get("backward") or ""):
        heads = list(_MODULE_HEAD.finditer(text))
        for k, m in enumerate(heads):
            end = heads[k + 1].start() if k + 1 < len(heads) else len(text)
            out[m.group(1)] = text[m.start():end].rstrip("\n")
    return out
