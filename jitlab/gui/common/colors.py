"""One colour per variant, used identically by every view and the legend."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

#: Colour-blind-safe Okabe-Ito hues, fixed per variant name.
VARIANT_COLORS: dict[str, str] = {
    "eager": "#0072B2",    # blue
    "script": "#E69F00",   # orange
    "trace": "#009E73",    # bluish green
    "compile": "#CC79A7",  # reddish purple
    "compile:reduce-overhead": "#D55E00",             # vermillion
    "compile:max-autotune": "#56B4E9",                # sky blue
    "compile:max-autotune-no-cudagraphs": "#882255",  # wine
}
_FALLBACK = ("#D55E00", "#56B4E9", "#F0E442", "#000000")

#: Shading of warm-up iterations in the timing plots.
WARMUP_BRUSH = (140, 140, 140, 40)


def variant_color(name: str) -> str:
    """The hex colour of a variant (stable for names outside :data:`jitlab.VARIANTS`)."""
    if name in VARIANT_COLORS:
        return VARIANT_COLORS[name]
    return _FALLBACK[sum(map(ord, name)) % len(_FALLBACK)]


def variant_qcolor(name: str, alpha: int = 255) -> QColor:
    """The variant's colour as a ``QColor`` with the given alpha."""
    c = QColor(variant_color(name))
    c.setAlpha(alpha)
    return c


#: Text of figures a busy machine spoiled (the statistics table, the breakdown, the banner).
WARNING_COLOR = "#bc4c00"


def fill_variant_box(box, names) -> None:
    """Put ``names`` into a ``QComboBox``, each with its variant's colour, without emitting its signals."""
    box.blockSignals(True)
    box.clear()
    for name in names:
        box.addItem(name)
        box.setItemData(box.count() - 1, variant_qcolor(name), Qt.ItemDataRole.DecorationRole)
    box.blockSignals(False)
