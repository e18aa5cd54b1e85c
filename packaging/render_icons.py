"""Render the application icon's PNG sizes from its SVG master.

The master is ``resources/icons/jitlab.svg``; the PNGs are written beside it
as ``jitlab-<size>.png``. Qt's own SVG renderer (``QSvgRenderer``) draws them,
so what the desktop shows matches what the app would draw from the SVG.

Usage
-----
::

    QT_QPA_PLATFORM=offscreen python packaging/render_icons.py          # (re)write the PNGs
    QT_QPA_PLATFORM=offscreen python packaging/render_icons.py --check  # exit 1 if they are stale

Needs PySide6 (the ``gui`` extra); nothing else in the build does.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

#: The sizes freedesktop icon themes and PyInstaller's icon conversion use.
SIZES = (16, 32, 48, 64, 128, 256)
ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
MASTER = ICON_DIR / "jitlab.svg"
#: Largest per-channel difference ``--check`` tolerates: anti-aliasing may
#: differ by a step or two between Qt releases without the art having changed.
CHECK_TOLERANCE = 8


def png_path(size: int, folder: Path = ICON_DIR) -> Path:
    """Where the PNG of ``size`` pixels lives."""
    return folder / f"jitlab-{size}.png"


def _app():
    # QPainter on a QImage wants a QGuiApplication for its font and raster
    # machinery; the offscreen platform means no display is needed.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication([])


def render(size: int, master: Path = MASTER):
    """The master drawn into a transparent ``size`` x ``size`` ARGB image.

    Returns
    -------
    PySide6.QtGui.QImage
    """
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app()
    renderer = QSvgRenderer(str(master))
    if not renderer.isValid():
        raise ValueError(f"{master}: Qt cannot read this SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def max_difference(a, b) -> int:
    """Largest per-channel difference between two same-sized images (255 if sizes differ)."""
    from PySide6.QtGui import QImage

    if a.size() != b.size():
        return 255
    a = a.convertToFormat(QImage.Format.Format_ARGB32)
    b = b.convertToFormat(QImage.Format.Format_ARGB32)
    worst = 0
    for y in range(a.height()):
        for x in range(a.width()):
            pa, pb = a.pixel(x, y), b.pixel(x, y)
            for shift in (0, 8, 16, 24):
                worst = max(worst, abs(((pa >> shift) & 0xFF) - ((pb >> shift) & 0xFF)))
    return worst


def write_all(folder: Path = ICON_DIR) -> list[Path]:
    """Render every size into ``folder``; returns the files written."""
    written = []
    for size in SIZES:
        path = png_path(size, folder)
        if not render(size).save(str(path), "PNG"):
            raise OSError(f"{path}: Qt could not write the PNG")
        written.append(path)
    return written


def stale(folder: Path = ICON_DIR) -> list[str]:
    """Descriptions of PNGs that are missing or differ from a fresh render."""
    from PySide6.QtGui import QImage

    problems = []
    for size in SIZES:
        path = png_path(size, folder)
        if not path.is_file():
            problems.append(f"{path.name}: missing")
            continue
        diff = max_difference(QImage(str(path)), render(size))
        if diff > CHECK_TOLERANCE:
            problems.append(f"{path.name}: differs from the SVG master by up to {diff}/255 per channel")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only verify the PNGs match the SVG master")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale()
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            print("re-render with: python packaging/render_icons.py", file=sys.stderr)
        return 1 if problems else 0
    for path in write_all():
        print(path.relative_to(ICON_DIR.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
