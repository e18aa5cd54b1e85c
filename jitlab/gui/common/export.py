"""Export charts (PNG, SVG), iterations (CSV) and sessions (JSON).

A chart export can carry a second widget drawn below the chart in the same
image (the timing chart's time breakdown). The CSV holds one row per timed
iteration (``kind`` ``timed``: wall times and CPU time) and one per sampled
iteration (``kind`` ``sampled``: device-busy time per phase, on a CPU time
inside operators as ``device_unit`` says, and launches).

Every write goes to a temporary file in the destination folder and is then
published in one step: renamed over the destination when replacing was
confirmed, otherwise hard-linked so that an existing file is never replaced
(``FileExistsError``).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsView, QWidget

from jitlab.core.session import store as S
from jitlab.core import stats
from jitlab.gui.common.svg_flatten import flatten_transforms

CSV_COLUMNS = ("variant", "kind", "iteration", "warmup", "round", "fwd_ms", "bwd_ms", "total_ms", "cpu_ms",
               "device_unit", "device_fwd_ms", "device_bwd_ms", "device_total_ms", "fwd_launches", "bwd_launches",
               "recompile")
#: ``kind`` of the CSV rows: wall-time iterations, and iterations sampled under the profiler apart from them.
KIND_TIMED, KIND_SAMPLED = "timed", "sampled"


class ExportError(OSError):
    """A file could not be written (the message names it)."""


def write_atomic(path: str | os.PathLike, writer: Callable[[Path], None], overwrite: bool = False) -> Path:
    """Have ``writer`` fill a temporary file, then publish it as ``path`` (as session files are:
    :func:`jitlab.core.session.store.publish`).

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is false.
    ExportError
        If writing fails; no partial file is left behind.
    """
    path = Path(path)
    if not overwrite and path.exists():
        raise FileExistsError(f"{path} exists; not replacing it")
    try:
        tmp = S.temp_beside(path)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write here ({exc.strerror or exc})") from exc
    try:
        writer(tmp)
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise ExportError(f"{path}: nothing was written")
        S.publish(tmp, path, overwrite)
    except FileExistsError:
        raise
    except OSError as exc:
        if isinstance(exc, ExportError):
            raise
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return path


file_mode = S.file_mode


# ---- charts


def _stacked_size(widget: QWidget, below: QWidget | None) -> QSize:
    if below is None:
        return widget.size()
    return QSize(max(widget.width(), below.width()), widget.height() + below.height())


def export_png(widget: QWidget, path: str | os.PathLike, overwrite: bool = False,
               below: QWidget | None = None) -> Path:
    """Save a grab of ``widget`` (with ``below`` under it, if given) as a PNG image."""
    def write(tmp: Path) -> None:
        image = widget.grab()
        if below is not None:
            chart = image
            image = QPixmap(_stacked_size(widget, below) * chart.devicePixelRatio())
            image.setDevicePixelRatio(chart.devicePixelRatio())
            image.fill(QColor("white"))
            painter = QPainter(image)
            painter.drawPixmap(0, 0, chart)
            painter.drawPixmap(0, widget.height(), below.grab())
            painter.end()
        if not image.save(str(tmp), "PNG"):
            raise ExportError(f"{path}: the image could not be encoded")
    return write_atomic(path, write, overwrite)


def export_svg(widget: QWidget, path: str | os.PathLike, overwrite: bool = False, title: str = "jitlab chart",
               below: QWidget | None = None) -> Path:
    """Save ``widget`` (with ``below`` under it, if given) as an SVG drawing.

    The widget is rendered through ``QSvgGenerator``; pyqtgraph's own
    ``SVGExporter`` raises ``ValueError`` in ``correctCoordinates`` under
    PySide6 6.12.
    """
    def write(tmp: Path) -> None:
        size = _stacked_size(widget, below)
        gen = QSvgGenerator()
        gen.setFileName(str(tmp))
        gen.setSize(size)
        gen.setViewBox(QRect(QPoint(0, 0), size))
        # The widget's own DPI: pyqtgraph's axes replay QPictures, which rescale to the device's DPI.
        gen.setResolution(widget.logicalDpiX())
        gen.setTitle(title)
        gen.setDescription("exported by jitlab")
        painter = QPainter()
        if not painter.begin(gen):
            raise ExportError(f"{path}: cannot start the SVG drawing")
        items = _export_items(widget)
        try:
            for item in items:  # symbols as vector shapes instead of cached pixmaps
                item.setExportMode(True, {"antialias": True, "painter": painter, "resolutionScale": 1.0})
            widget.render(painter)
            if below is not None:
                below.render(painter, QPoint(0, widget.height()))
        finally:
            for item in items:
                item.setExportMode(False)
            painter.end()
    return write_atomic(path, write, overwrite)


#: Margins and line spacing of the header above an exported chart (px).
HEADER_MARGIN = 12
HEADER_GAP = 4


def _header_fonts() -> tuple[QFont, QFont]:
    title = QFont()
    title.setPointSize(12)
    title.setBold(True)
    body = QFont()
    body.setPointSize(10)
    return title, body


def _header_height(lines: list[str]) -> int:
    if not lines:
        return 0
    title, body = _header_fonts()
    heights = [QFontMetrics(title).height()] + [QFontMetrics(body).height()] * (len(lines) - 1)
    return HEADER_MARGIN * 2 + sum(heights) + HEADER_GAP * (len(lines) - 1)


def _paint_chart(painter: QPainter, widgets: list[QWidget], header: list[str], width: int,
                 below: QWidget | None = None) -> None:
    """The header lines, then the widgets side by side under them, then ``below`` under those."""
    title, body = _header_fonts()
    y = HEADER_MARGIN
    painter.setPen(QColor("#24292f"))
    for k, line in enumerate(header):
        font = title if k == 0 else body
        painter.setFont(font)
        h = QFontMetrics(font).height()
        painter.drawText(QRect(HEADER_MARGIN, y, width - 2 * HEADER_MARGIN, h),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), line)
        y += h + HEADER_GAP
    top = _header_height(header)
    x = 0
    for widget in widgets:
        if isinstance(widget, QGraphicsView):  # its render() draws the scene: into this widget's place
            widget.render(painter, QRectF(x, top, widget.width(), widget.height()), widget.viewport().rect(),
                          Qt.AspectRatioMode.IgnoreAspectRatio)
        else:
            QWidget.render(widget, painter, QPoint(x, top))
        x += widget.width()
    if below is not None:
        QWidget.render(below, painter, QPoint(0, top + max(w.height() for w in widgets)))


def _chart_size(widgets: list[QWidget], header: list[str], below: QWidget | None = None) -> QSize:
    width = sum(w.width() for w in widgets)
    height = _header_height(header) + max(w.height() for w in widgets)
    if below is not None:
        width, height = max(width, below.width()), height + below.height()
    return QSize(width, height)


def export_chart(widgets: list[QWidget], path: str | os.PathLike, fmt: str, header: list[str] | None = None,
                 overwrite: bool = False, title: str = "jitlab chart", below: QWidget | None = None) -> Path:
    """Save ``widgets`` (side by side) under the ``header`` lines, with ``below`` under them, as
    ``"png"`` or ``"svg"``.

    The SVG is rewritten in device coordinates (:func:`~jitlab.gui.common.svg_flatten.flatten_transforms`)
    so that librsvg, ImageMagick and browsers draw the same thin lines.
    """
    header = list(header or [])
    size = _chart_size(widgets, header, below)

    def write_png(tmp: Path) -> None:
        dpr = max(w.devicePixelRatioF() for w in widgets)
        image = QImage(QSize(int(size.width() * dpr), int(size.height() * dpr)), QImage.Format.Format_ARGB32)
        image.setDevicePixelRatio(dpr)
        image.fill(QColor("white"))
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            _paint_chart(painter, widgets, header, size.width(), below)
        finally:
            painter.end()
        if not image.save(str(tmp), "PNG"):
            raise ExportError(f"{path}: the image could not be encoded")

    def write_svg(tmp: Path) -> None:
        gen = QSvgGenerator()
        gen.setFileName(str(tmp))
        gen.setSize(size)
        gen.setViewBox(QRect(QPoint(0, 0), size))
        gen.setResolution(widgets[0].logicalDpiX())
        gen.setTitle(title)
        gen.setDescription(" / ".join(header) or "exported by jitlab")
        painter = QPainter()
        if not painter.begin(gen):
            raise ExportError(f"{path}: cannot start the SVG drawing")
        items = [item for w in widgets for item in _export_items(w)]
        try:
            painter.fillRect(QRect(QPoint(0, 0), size), QColor("white"))
            for item in items:  # symbols as vector shapes instead of cached pixmaps
                item.setExportMode(True, {"antialias": True, "painter": painter, "resolutionScale": 1.0})
            _paint_chart(painter, widgets, header, size.width(), below)
        finally:
            for item in items:
                item.setExportMode(False)
            painter.end()
        text = tmp.read_text(encoding="utf-8")
        tmp.write_text(flatten_transforms(text), encoding="utf-8")

    return write_atomic(path, write_svg if fmt == "svg" else write_png, overwrite)


def _export_items(widget: QWidget) -> list:
    """pyqtgraph items of a graphics view that change how they paint while exporting."""
    scene = widget.scene() if hasattr(widget, "scene") else None
    if scene is None:
        return []
    return [item for item in scene.items() if hasattr(item, "setExportMode")]


# ---- data


def _num(x: float | int | None) -> str:
    """Exact text of a number (``repr`` round-trips a float), empty for none."""
    return "" if x is None else repr(float(x))


def iteration_rows(session: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per variant x timed iteration, with the phase columns."""
    rows = []
    for name, rec in session["variants"].items():
        for it in rec["iterations"]:
            bwd = it.get("bwd_ms")
            rows.append({
                "variant": name, "kind": KIND_TIMED, "iteration": it["i"], "warmup": int(bool(it.get("warmup"))),
                "round": "" if it.get("round") is None else it["round"],
                "fwd_ms": repr(float(it["fwd_ms"])), "bwd_ms": _num(bwd),
                "total_ms": repr(stats.total_ms(it["fwd_ms"], bwd)), "cpu_ms": _num(it.get("cpu_ms")),
                # 1: a recompile slowed this iteration, which no statistic counts
                "recompile": int(bool(it.get("recompile"))),
            })
    return rows


def sampled_rows(session: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per variant x sampled iteration: device-busy time (or time inside operators) per phase.

    ``iteration`` counts a variant's sampled iterations from 0; they ran in
    blocks of their own, apart from the timed ones, so they have no wall time.
    """
    rows = []
    for name, rec in session["variants"].items():
        unit = rec.get("device_unit") or ((rec.get("device") or {}).get("unit")) or ""
        for k, r in enumerate(rec.get("device_samples") or []):
            fwd, bwd = r.get("fwd_ms"), r.get("bwd_ms")
            rows.append({
                "variant": name, "kind": KIND_SAMPLED, "iteration": k, "warmup": 0,
                "round": "" if r.get("round") is None else r["round"], "device_unit": unit,
                "device_fwd_ms": _num(fwd), "device_bwd_ms": _num(bwd),
                "device_total_ms": "" if fwd is None else repr(stats.total_ms(fwd, bwd)),
                "fwd_launches": "" if r.get("fwd_launches") is None else r["fwd_launches"],
                "bwd_launches": "" if r.get("bwd_launches") is None else r["bwd_launches"],
            })
    return rows


def export_csv(session: dict[str, Any], path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write the timed and the sampled iterations as CSV (header: :data:`CSV_COLUMNS`, ``kind`` tells them apart)."""
    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, restval="")
            writer.writeheader()
            writer.writerows(iteration_rows(session))
            writer.writerows(sampled_rows(session))
    return write_atomic(path, write, overwrite)


def export_session(session: dict[str, Any], path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write the session file as :func:`jitlab.core.session.store.save` does (the one encoding), with this
    module's messages."""
    S.validate(session, check_schema=False)  # built here from checked messages; loads check it all
    return write_atomic(path, lambda tmp: S.write_encoded(session, tmp), overwrite)
