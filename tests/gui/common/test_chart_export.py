"""Exported charts: context above the chart, an SVG that librsvg and Chromium draw like the app does, and
files that follow the user's umask. The SVG is rendered by the real programs (skipped where absent)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from jitlab.gui.common.export import file_mode
from tests.conftest import RECORDED

SESSION = RECORDED / "gated_cpu.json"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def _export(window, tmp_path, fmt: str, which: str = "timing") -> Path:
    assert window.open_path(SESSION)
    return window.export_chart(which, fmt, tmp_path / f"{which}.{fmt}", overwrite=True)


def _coloured(image: QImage, step: int = 2) -> int:
    """Pixels drawn in a saturated colour (curves, markers), on a grid of every ``step`` pixels."""
    n = 0
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            c = QColor(image.pixel(x, y))
            if c.hsvSaturationF() > 0.45 and c.valueF() > 0.35:
                n += 1
    return n


def _viewbox(svg: Path) -> tuple[int, int]:
    box = ET.parse(svg).getroot().get("viewBox").split()
    return int(float(box[2])), int(float(box[3]))


def _compare_with_png(rendered: Path, png: Path) -> float:
    ours = QImage(str(png))
    theirs = QImage(str(rendered)).scaled(ours.width(), ours.height())
    return _coloured(theirs) / max(1, _coloured(ours))


def test_an_exported_chart_names_its_run(window, tmp_path):
    png = _export(window, tmp_path, "png")
    svg = window.export_chart("timing", "svg", tmp_path / "timing.svg", overwrite=True)
    text = " ".join(t.text or "" for t in ET.parse(svg).getroot().iter("{http://www.w3.org/2000/svg}text"))
    for part in ("gated.py", "per-iteration timings", "target default", "Intel(R) Xeon(R) Processor",
                 "torch 2.13.0+cpu", "train mode", "speedup vs eager, 95% CI", "compile 0.093×"):
        assert part in text, part
    image = QImage(str(png))
    chart = window.timing.export_widget()
    assert image.height() > chart.height() + 40  # the header is above the chart
    assert image.width() >= chart.width() + window.timing.speedups.width()  # the forest plot beside it
    header = image.copy(0, 0, image.width(), 60)
    assert any(QColor(header.pixel(x, y)).lightness() < 90 for y in range(0, 60, 2) for x in range(0, 500, 2))


def test_the_svg_has_no_non_scaling_strokes_left(window, tmp_path):
    svg = _export(window, tmp_path, "svg", "distribution")
    assert "non-scaling-stroke" not in svg.read_text()
    ET.parse(svg)  # well-formed


@pytest.mark.skipif(shutil.which("rsvg-convert") is None, reason="rsvg-convert (librsvg2-bin) is not installed")
def test_librsvg_draws_the_svg_as_the_app_draws_the_png(window, tmp_path):
    png = _export(window, tmp_path, "png")
    svg = window.export_chart("timing", "svg", tmp_path / "timing.svg", overwrite=True)
    out = tmp_path / "rsvg.png"
    subprocess.run(["rsvg-convert", "-o", str(out), str(svg)], check=True, timeout=120)
    ratio = _compare_with_png(out, png)
    assert 0.6 < ratio < 1.6, ratio  # lines drawn as thick bands gave several times as many coloured pixels


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_chromium_draws_the_svg_as_the_app_draws_the_png(window, tmp_path):
    png = _export(window, tmp_path, "png")
    svg = window.export_chart("timing", "svg", tmp_path / "timing.svg", overwrite=True)
    w, h = _viewbox(svg)
    page = tmp_path / "page.html"
    page.write_text(f'<html><body style="margin:0"><img src="{svg.name}" width="{w}" height="{h}"></body></html>')
    out = tmp_path / "chromium.png"
    subprocess.run(["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={w},{h}",
                    f"--screenshot={out}", page.as_uri()], check=True, timeout=120, capture_output=True)
    ratio = _compare_with_png(out, png)
    assert 0.6 < ratio < 1.6, ratio


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_exported_files_and_sessions_follow_the_umask(window, tmp_path, umask):
    old = os.umask(umask)
    try:
        assert file_mode() == 0o666 & ~umask
        png = _export(window, tmp_path, "png")
        session = window.save_session(tmp_path / "s.json", overwrite=True)
        csv = window.export_csv(tmp_path / "i.csv", overwrite=True)
    finally:
        os.umask(old)
    for path in (png, session, csv):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path
