"""Make Qt's SVG output render the same in every SVG renderer.

``QSvgGenerator`` writes each drawing call as a group with the painter's
transform (pyqtgraph's plots scale data coordinates non-uniformly, e.g.
x 30 px per iteration and y 0.1 px per millisecond) and marks cosmetic pens
``vector-effect="non-scaling-stroke"``. Renderers that ignore that attribute
(librsvg, ImageMagick) then scale the strokes with the group: lines become
thick bands and markers blobs. :func:`flatten_transforms` applies each
group's matrix to its shapes' coordinates, so that no stroke is scaled and
the attribute is no longer needed. Groups it cannot rewrite (text, images,
unusual path commands) keep their transform.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
_MATRIX = re.compile(r"^\s*matrix\(\s*([^)]*)\)\s*$")
_PATH_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
#: Absolute path commands whose arguments are all (x, y) pairs.
_PAIR_COMMANDS = set("MLCSQT")
#: Cubic Bezier factor for a quarter ellipse.
_KAPPA = 0.5522847498307936

Matrix = tuple[float, float, float, float, float, float]


def _tag(el: ET.Element) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _num(v: float) -> str:
    return f"{v:.3f}".rstrip("0").rstrip(".") if math.isfinite(v) else "0"


def transform_path(d: str, m: Matrix) -> str | None:
    """Path data ``d`` with matrix ``m`` applied (None if it uses commands other than absolute M L C S Q T Z)."""
    out: list[str] = []
    numbers: list[float] = []
    command = None

    def flush() -> bool:
        if command is None:
            return not numbers
        if command in "Zz":
            out.append("Z")
            return not numbers
        if command not in _PAIR_COMMANDS or len(numbers) % 2:
            return False
        pairs = [_apply(m, numbers[i], numbers[i + 1]) for i in range(0, len(numbers), 2)]
        out.append(command + " ".join(f"{_num(x)},{_num(y)}" for x, y in pairs))
        return True

    for token in _PATH_TOKEN.findall(d):
        if token.isalpha():
            if not flush():
                return None
            command, numbers = token, []
        else:
            numbers.append(float(token))
    if not flush():
        return None
    return " ".join(out)


def _points(text: str, m: Matrix) -> str | None:
    values = [float(v) for v in re.split(r"[\s,]+", text.strip()) if v]
    if len(values) % 2:
        return None
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in
                    (_apply(m, values[i], values[i + 1]) for i in range(0, len(values), 2)))


def _ellipse_path(cx: float, cy: float, rx: float, ry: float) -> str:
    k = _KAPPA
    return (f"M{cx + rx},{cy} C{cx + rx},{cy + k * ry} {cx + k * rx},{cy + ry} {cx},{cy + ry} "
            f"C{cx - k * rx},{cy + ry} {cx - rx},{cy + k * ry} {cx - rx},{cy} "
            f"C{cx - rx},{cy - k * ry} {cx - k * rx},{cy - ry} {cx},{cy - ry} "
            f"C{cx + k * rx},{cy - ry} {cx + rx},{cy - k * ry} {cx + rx},{cy} Z")


def _flatten_shape(el: ET.Element, m: Matrix, scale: float) -> bool:
    """Rewrite one shape in device coordinates; False if it cannot be."""
    tag = _tag(el)
    cosmetic = el.attrib.pop("vector-effect", None) == "non-scaling-stroke"
    if not cosmetic and "stroke-width" in el.attrib:
        el.set("stroke-width", _num(float(el.get("stroke-width")) * scale))
    if tag == "path":
        d = transform_path(el.get("d", ""), m)
        if d is None:
            return False
        el.set("d", d)
    elif tag in ("polyline", "polygon"):
        pts = _points(el.get("points", ""), m)
        if pts is None:
            return False
        el.set("points", pts)
    elif tag == "rect":
        x, y = float(el.get("x", 0)), float(el.get("y", 0))
        w, h = float(el.get("width", 0)), float(el.get("height", 0))
        for key in ("x", "y", "width", "height", "rx", "ry"):
            el.attrib.pop(key, None)
        el.tag = el.tag.replace("rect", "path")
        el.set("d", transform_path(f"M{x},{y} L{x + w},{y} L{x + w},{y + h} L{x},{y + h} Z", m))
    elif tag in ("ellipse", "circle"):
        cx, cy = float(el.get("cx", 0)), float(el.get("cy", 0))
        rx = float(el.get("rx", el.get("r", 0)))
        ry = float(el.get("ry", el.get("r", 0)))
        for key in ("cx", "cy", "rx", "ry", "r"):
            el.attrib.pop(key, None)
        el.tag = el.tag.replace(tag, "path")
        el.set("d", transform_path(_ellipse_path(cx, cy, rx, ry), m))
    else:
        return False
    return True


def flatten_transforms(svg_text: str) -> str:
    """The SVG with every rewritable group's ``matrix(...)`` applied to its shapes (see the module doc)."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(svg_text)
    for g in root.iter(f"{{{SVG_NS}}}g"):
        match = _MATRIX.match(g.get("transform", ""))
        children = list(g)
        if not match or not children:
            continue
        try:
            m = tuple(float(v) for v in re.split(r"[\s,]+", match.group(1).strip()))
        except ValueError:
            continue
        if len(m) != 6 or any(_tag(c) not in ("path", "polyline", "polygon", "rect", "ellipse", "circle")
                              for c in children):
            continue
        scale = math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))
        backup = [(c.tag, dict(c.attrib)) for c in children]
        if "stroke-width" in g.attrib and not all(c.get("vector-effect") == "non-scaling-stroke" for c in children):
            continue  # a scaled, non-cosmetic stroke set on the group: leave the group to the renderer
        if all(_flatten_shape(c, m, scale) for c in children):
            del g.attrib["transform"]
        else:
            for c, (tag, attrib) in zip(children, backup):
                c.tag = tag
                c.attrib.clear()
                c.attrib.update(attrib)
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + ET.tostring(root, encoding="unicode")
