"""The application icon: an SVG master and PNG sizes rendered from it."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "resources" / "icons"
SIZES = (16, 32, 48, 64, 128, 256)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGBA = 6  # PNG colour type: truecolour with alpha


def png_header(path: Path) -> tuple[int, int, int, int]:
    """``(width, height, bit_depth, colour_type)`` from a PNG's IHDR chunk."""
    data = path.read_bytes()[:33]
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


def test_svg_master_is_square_svg():
    root = ET.parse(ICONS / "jitlab.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    x, y, w, h = (float(v) for v in root.attrib["viewBox"].split())
    assert (x, y) == (0, 0) and w == h


@pytest.mark.parametrize("size", SIZES)
def test_png_has_its_size_and_an_alpha_channel(size):
    width, height, depth, colour = png_header(ICONS / f"jitlab-{size}.png")
    assert (width, height) == (size, size)
    assert (depth, colour) == (8, RGBA)


def test_no_stray_png_sizes():
    found = sorted(int(p.stem.rsplit("-", 1)[1]) for p in ICONS.glob("jitlab-*.png"))
    assert found == sorted(SIZES)


@pytest.mark.gui
def test_pngs_match_the_svg_master():
    pytest.importorskip("PySide6.QtSvg")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "render_icons.py"), "--check"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
