"""Syntax highlighting of the texts the graph and kernel views show.

:class:`IrHighlighter` colours TorchScript IR: ops (``aten::mul``), types
(``Float(64, 256, ...)``, ``int[]``), values (``%x.1``), source comments
(``# gated.py:23:12``, the location drawn as a link) and the ``# ----``
section headers; lines that are fusion nodes get a strong mark. The same
class, given another language, colours Python (TorchScript code, Dynamo
graphs, Inductor's wrapper and Triton kernels), C-like sources (CUDA C, NNC
IR, Inductor's C++) and LLVM IR.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from jitlab.core.present.graph_sources import FUSION_CALL, FUSION_DEF, SOURCE_COMMENT

LANGUAGES = ("ir", "python", "c", "llvm", "text")

#: Colours (GitHub-light-like, readable on white).
COLORS = {
    "op": "#0550ae", "prim": "#6f42c1", "value": "#953800", "type": "#116329", "keyword": "#cf222e",
    "comment": "#6e7781", "link": "#0969da", "string": "#0a3069", "number": "#0550ae", "header": "#24292f",
    "fusion_bg": "#ffd8a8", "fusion_fg": "#8a3b00", "function": "#8250df",
}

_PY_KEYWORDS = ("def class return if else elif for while in not and or is None True False import from as with "
                "try except finally raise lambda pass del yield assert global nonlocal break continue async await")
_C_KEYWORDS = ("for if else return while do break continue switch case default struct template typename const "
               "auto static inline extern void float double int long bool char unsigned signed int64_t int32_t "
               "uint64_t uint32_t half __global__ __device__ __shared__ __restrict__ __ldg true false nullptr "
               "decltype static_cast reinterpret_cast")
_LLVM_KEYWORDS = ("define declare ret br call load store alloca getelementptr phi icmp fcmp add fadd mul fmul sub "
                  "fsub fdiv sdiv select label to i1 i8 i32 i64 float double void ptr align")


def _fmt(color: str, bold: bool = False, italic: bool = False, background: str | None = None,
         underline: bool = False) -> QTextCharFormat:
    f = QTextCharFormat()
    f.setForeground(QColor(color))
    if bold:
        f.setFontWeight(QFont.Weight.Bold)
    if italic:
        f.setFontItalic(True)
    if background:
        f.setBackground(QColor(background))
    if underline:
        f.setFontUnderline(True)
    return f


def _words(words: str) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words.split()) + r")\b")


class IrHighlighter(QSyntaxHighlighter):
    """Highlights a document in one of :data:`LANGUAGES`.

    Parameters
    ----------
    document : QTextDocument
    language : str
        ``ir`` (TorchScript), ``python``, ``c``, ``llvm`` or ``text`` (none).
    """

    def __init__(self, document: QTextDocument, language: str = "ir") -> None:
        super().__init__(document)
        self.language = language if language in LANGUAGES else "text"
        self.fusion_lines: set[int] = set()
        self.formats = {
            "op": _fmt(COLORS["op"]), "prim": _fmt(COLORS["prim"]), "value": _fmt(COLORS["value"]),
            "type": _fmt(COLORS["type"]), "keyword": _fmt(COLORS["keyword"], bold=True),
            "comment": _fmt(COLORS["comment"], italic=True),
            "link": _fmt(COLORS["link"], italic=True, underline=True),
            "string": _fmt(COLORS["string"]), "number": _fmt(COLORS["number"]),
            "header": _fmt(COLORS["header"], bold=True, background="#eaeef2"),
            "fusion": _fmt(COLORS["fusion_fg"], bold=True, background=COLORS["fusion_bg"], underline=True),
            "function": _fmt(COLORS["function"]),
        }

    def set_language(self, language: str) -> None:
        self.language = language if language in LANGUAGES else "text"
        self.rehighlight()

    def set_fusion_lines(self, lines: set[int] | list[int]) -> None:
        """Block numbers (0-based lines) holding clickable fusion nodes."""
        self.fusion_lines = set(lines)
        self.rehighlight()

    # ---- QSyntaxHighlighter

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        if self.language == "ir":
            self._ir(text)
        elif self.language == "python":
            self._python(text)
        elif self.language == "c":
            self._c(text)
        elif self.language == "llvm":
            self._llvm(text)

    # ---- languages

    def _apply(self, pattern: re.Pattern, text: str, key: str, group: int = 0) -> None:
        for m in pattern.finditer(text):
            self.setFormat(m.start(group), m.end(group) - m.start(group), self.formats[key])

    def _apply_all(self, rules: tuple[tuple[re.Pattern, str, int], ...], text: str) -> None:
        """Each ``(pattern, format key, group)`` in turn: a later rule's format wins where two overlap."""
        for pattern, key, group in rules:
            self._apply(pattern, text, key, group)

    def _trailing_comment(self, text: str, marker: str) -> None:
        cut = self._comment_at(text, marker)
        if cut >= 0:
            self._comment(text, cut)

    def _comment_at(self, text: str, marker: str = "#") -> int:
        """Start of a trailing comment outside string literals, or -1."""
        quote = None
        for i, ch in enumerate(text):
            if quote:
                if ch == quote and text[i - 1] != "\\":
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif text.startswith(marker, i):
                return i
        return -1

    def _comment(self, text: str, start: int) -> None:
        self.setFormat(start, len(text) - start, self.formats["comment"])
        m = SOURCE_COMMENT.search(text, start)
        if m:
            self.setFormat(m.start("file"), m.end() - m.start("file"), self.formats["link"])

    def _ir(self, text: str) -> None:
        if text.startswith("# ----"):
            self.setFormat(0, len(text), self.formats["header"])
            return
        cut = self._comment_at(text)
        code = text if cut < 0 else text[:cut]
        self._apply_all(_IR_RULES, code)
        if self.currentBlock().blockNumber() in self.fusion_lines:
            for pattern in (FUSION_CALL, FUSION_DEF):
                for m in pattern.finditer(code):
                    self.setFormat(m.start(1), m.end(1) - m.start(1), self.formats["fusion"])
        if cut >= 0:
            self._comment(text, cut)

    def _python(self, text: str) -> None:
        self._apply_all(_PY_RULES, text)
        self._trailing_comment(text, "#")

    def _c(self, text: str) -> None:
        self._apply_all(_C_RULES, text)
        stripped = text.lstrip()
        if stripped.startswith("#"):
            self.setFormat(0, len(text), self.formats["prim"])
        if stripped.startswith("//") or stripped.startswith("# "):
            self._comment(text, len(text) - len(stripped))
            return
        self._trailing_comment(text, "//")

    def _llvm(self, text: str) -> None:
        self._apply_all(_LLVM_RULES, text)
        self._trailing_comment(text, ";")


_IR_OP = re.compile(r"\b(?:aten|quantized|cuda|tensorexpr|_caffe2|torchvision)::\w+")
_IR_PRIM = re.compile(r"\bprim(?:s)?::\w+")
_IR_VALUE = re.compile(r"%[\w.]+")
_IR_TYPE = re.compile(r"\b(?:Tensor|Float|Double|Half|BFloat16|Long|Int|Short|Char|Byte|Bool|ComplexFloat|"
                      r"ComplexDouble|int|float|bool|str|complex|NoneType|Device|Function|Scalar|Layout|"
                      r"ScalarType|MemoryFormat|Generator|Storage)\b(?:\[\])?\??|__torch__(?:\.\w+)+")
_IR_KEYWORD = re.compile(r"^\s*(?:graph|with)\b|\bblock\d+\b|\breturn\b|->")
_NUMBER_IN_BRACKETS = re.compile(r"(?<=[\[(=,\s])(-?\d+(?:\.\d+)?(?:e-?\d+)?)(?=[\]),\s}])")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?(?:[eE][-+]?\d+)?[fLlu]*\b")
_STRING = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_PY_KW = _words(_PY_KEYWORDS)
_PY_DEF = re.compile(r"\b(?:def|class)\s+(\w+)")
_PY_TYPE_ANNOT = re.compile(r":\s*\"?([a-z]\d+\[[^\]]*\]|Tensor|int|float|bool)")
_DECORATOR = re.compile(r"^\s*@[\w.]+")
_C_KW = _words(_C_KEYWORDS)
_C_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*(?=\()")
_LLVM_KW = _words(_LLVM_KEYWORDS)
_LLVM_VALUE = re.compile(r"[%@][\w.$]+")

#: What each language colours, in order.
_IR_RULES = ((_IR_TYPE, "type", 0), (_IR_OP, "op", 0), (_IR_PRIM, "prim", 0), (_IR_VALUE, "value", 0),
             (_IR_KEYWORD, "keyword", 0), (_NUMBER_IN_BRACKETS, "number", 1))
_PY_RULES = ((_PY_DEF, "function", 1), (_PY_KW, "keyword", 0), (_NUMBER, "number", 0), (_PY_TYPE_ANNOT, "type", 1),
             (_STRING, "string", 0), (_DECORATOR, "function", 0))
_C_RULES = ((_C_CALL, "function", 1), (_C_KW, "keyword", 0), (_NUMBER, "number", 0), (_STRING, "string", 0))
_LLVM_RULES = ((_LLVM_KW, "keyword", 0), (_LLVM_VALUE, "value", 0), (_NUMBER, "number", 0))
