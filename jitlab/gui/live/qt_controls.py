"""Run controls: target, device, variants, mode, iterations, warm-up, timeout,
Run and Stop."""

from __future__ import annotations

import html

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QHBoxLayout,
                               QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from jitlab import DEFAULT_VARIANTS, VARIANTS
from jitlab.core.settings import DEFAULTS
from jitlab.gui.common.colors import variant_color
from jitlab.gui.common.formatting import device_text
from jitlab.gui.common.paths import Preferences

AUTO_DEVICE = "auto"
_PREF_KEYS = ("device", "variants", "mode", "iters", "warmup", "timeout", "stall_timeout", "compile_dynamic",
              "compile_cache")


def _seconds(minimum: float, value: float, tip: str) -> QDoubleSpinBox:
    """A spin box of whole seconds from ``minimum``."""
    box = QDoubleSpinBox()
    box.setRange(minimum, 1e6)
    box.setDecimals(0)
    box.setSuffix(" s")
    box.setValue(value)
    box.setToolTip(tip)
    return box


class QtControls(QWidget):
    """The control panel of the main window."""

    sig_run_requested = Signal()
    """Run was pressed."""

    sig_stop_requested = Signal()
    """Stop was pressed."""

    sig_variants_changed = Signal(list)
    """The checked variants changed (the window sizes its runner pool to them)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.explicit_target: str | None = None  # --target of the app: kept even if the file lacks it
        self._preferred_device = AUTO_DEVICE
        #: A device named on the command line (``--device``): honoured even before devices are detected.
        self.explicit_device: str | None = None
        self.file_label = QLabel("no module open")
        self.file_label.setObjectName("fileLabel")
        self.file_label.setWordWrap(True)
        self.probe_label = QLabel("")
        self.probe_label.setObjectName("probeLabel")
        self.probe_label.setWordWrap(True)
        self.probe_label.setStyleSheet("color: gray")

        self.target = QComboBox()
        self.target.setToolTip("target() or target_<name>() function of the module file")
        self.device = QComboBox()
        self.device.setToolTip("devices as the runner's torch reports them")
        self.device.addItem("auto (detecting devices…)", AUTO_DEVICE)
        self.variant_boxes: dict[str, QCheckBox] = {}
        variants = QGridLayout()
        variants.setContentsMargins(0, 0, 0, 0)
        plain = [n for n in VARIANTS if ":" not in n]
        for i, name in enumerate(VARIANTS):
            box = QCheckBox(name)
            box.setStyleSheet(f"QCheckBox {{ color: {variant_color(name)}; font-weight: bold; }}")
            box.setChecked(name in DEFAULT_VARIANTS)
            box.toggled.connect(self._on_variant_toggled)
            self.variant_boxes[name] = box
            if ":" in name:  # a compile mode: a row of its own, its name is long
                box.setToolTip(f"torch.compile(mode={name.split(':', 1)[1]!r}) in a runner of its own")
                variants.addWidget(box, (len(plain) + 1) // 2 + i - len(plain), 0, 1, 2)
            else:
                variants.addWidget(box, i // 2, i % 2)
        self.compile_dynamic = QComboBox()
        for value, label in (("auto", "dynamic: auto"), ("true", "dynamic: true"), ("false", "dynamic: false")):
            self.compile_dynamic.addItem(label, value)
        self.compile_dynamic.setToolTip("torch.compile's dynamic= for every compile variant (auto: static shapes "
                                        "first, dynamic after a shape change)")
        self.compile_fullgraph = QCheckBox("fullgraph")
        self.compile_fullgraph.setToolTip("torch.compile(fullgraph=True): a graph break fails the compile variants")
        self.compile_warm = QCheckBox("warm cache")
        self.compile_warm.setToolTip("compile with your Inductor and Triton caches (a first call may be a cache "
                                     "hit); unticked, every compile variant compiles cold, from an empty cache")
        compile_row = QHBoxLayout()
        for w in (self.compile_dynamic, self.compile_fullgraph, self.compile_warm):
            compile_row.addWidget(w)
        self.mode = QComboBox()
        self.mode.addItem("train (forward + backward)", "train")
        self.mode.addItem("infer (forward, inference mode)", "infer")
        self.iters = QSpinBox()
        self.iters.setRange(1, 10_000_000)
        self.iters.setValue(DEFAULTS["iters"])
        self.iters.setToolTip("measured iterations per variant")
        self.warmup = QSpinBox()
        self.warmup.setRange(1, 10_000)
        self.warmup.setValue(DEFAULTS["warmup"])
        self.warmup.setToolTip("warm-up iterations: plotted and shaded, not in the statistics")
        self.timeout = _seconds(1, DEFAULTS["timeout"],
                                "seconds of work a variant may take before its runner is killed")
        self.stall_timeout = _seconds(
            0, DEFAULTS["stall_timeout"],
            "a variant that makes no progress (no iteration, no status) for this long is reported as hung,\n"
            "with the line its Python stack was on, and stopped; torch.compile's first call gets five times as long")
        self.stall_timeout.setSpecialValueText("never")

        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("runButton")
        self.run_button.setToolTip("Run (Ctrl+R)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the run, keeping every measured iteration")
        self.stop_button.setEnabled(False)
        self.run_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button, 1)
        buttons.addWidget(self.stop_button)

        form = QFormLayout()
        form.addRow("Target", self.target)
        form.addRow("Device", self.device)
        form.addRow("Variants", variants)
        form.addRow("Compile", compile_row)
        form.addRow("Mode", self.mode)
        form.addRow("Iterations", self.iters)
        form.addRow("Warm-up", self.warmup)
        form.addRow("Timeout", self.timeout)
        form.addRow("Hung after", self.stall_timeout)
        self.cpu_fusion = QCheckBox("CPU fusion (diagnostic)")
        self.cpu_fusion.setToolTip(
            "Let NNC fuse on CPU through its interpreter (this torch has no LLVM), so that fusion groups can be\n"
            "seen without a GPU. Script and trace become much slower: their timings are diagnostic only.")
        form.addRow("", self.cpu_fusion)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.file_label)
        layout.addWidget(self.probe_label)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.run_button.clicked.connect(self.sig_run_requested)
        self.stop_button.clicked.connect(self.sig_stop_requested)

    # ---- file and probe

    def set_file(self, path: str | None, note: str = "") -> None:
        self.file_label.setText(f"<b>{html.escape(Path(path).name)}</b>" if path else "no module open")
        self.file_label.setToolTip(path or "")
        self.probe_label.setText(note)
        self.target.clear()
        self.target.addItem("default target", None)

    def set_probe_note(self, text: str, error: bool = False) -> None:
        self.probe_label.setTextFormat(Qt.TextFormat.PlainText)  # may quote the user's exception
        self.probe_label.setText(text)
        self.probe_label.setStyleSheet("color: #cf222e" if error else "color: gray")

    def set_targets(self, targets: list[dict[str, Any]], keep: str | None = None) -> str | None:
        """Fill the target picker from the probe's ``targets`` (keeping ``keep`` selected if present).

        Returns what is wrong with an :attr:`explicit_target` the file lacks (``None`` if nothing).
        """
        problem = None
        keep = keep if keep is not None else self.target.currentData()
        self.target.clear()
        for t in targets:
            label = target_label(t["name"])
            self.target.addItem(f"{label}  {('— ' + t['doc']) if t.get('doc') else ''}".strip(), t["name"])
            self.target.setItemData(self.target.count() - 1, f"line {t.get('line')}: {t.get('doc') or ''}",
                                     Qt.ItemDataRole.ToolTipRole)
        if not targets:
            self.target.addItem("default target", None)
        wanted = self.explicit_target
        if wanted is not None and not any(_same_target(t["name"], wanted) for t in targets):
            # Asked for by name (--target): say so, never run another target in its place.
            self.target.addItem(f"{target_label(wanted)} (not in this file)", wanted)
            keep = wanted
            problem = (f"no target named {wanted!r} in this file; it has: "
                       + (", ".join(t["name"] for t in targets) or "none"))
        elif wanted is not None:
            keep = next(t["name"] for t in targets if _same_target(t["name"], wanted))
        idx = self.target.findData(keep)
        self.target.setCurrentIndex(max(idx, 0))
        return problem

    def note_recorded_device(self, device_id: str | None = None, name: str | None = None) -> None:
        """Show the device a saved session was recorded on, even one this machine lacks."""
        if device_id:
            idx = self.device.findData(device_id)
            label = f"{device_id} — {name or '?'} (as recorded)"
            if idx < 0:
                self.device.addItem(label, device_id)
                idx = self.device.count() - 1
            elif "detecting" in self.device.itemText(idx):
                self.device.setItemText(idx, label)
            self.device.setCurrentIndex(idx)
            return
        if self.device.count() == 1:
            self.device.setItemText(0, f"{self.device.itemData(0)} (as recorded)")

    def set_devices(self, devices: list[dict[str, Any]]) -> None:
        """Fill the device picker; select the preferred device, else the first GPU, else the CPU."""
        ids = [d["id"] for d in devices]
        current = self.device.currentData()
        want = current if current in ids else self._preferred_device
        self.device.clear()
        for d in devices:
            self.device.addItem(device_text(d), d["id"])
        if want not in ids:
            want = next((i for i in ids if i.startswith("cuda")), ids[0] if ids else AUTO_DEVICE)
        self.device.setCurrentIndex(max(self.device.findData(want), 0))

    # ---- values

    def checked_variants(self) -> list[str]:
        return [n for n, box in self.variant_boxes.items() if box.isChecked()]

    def values(self) -> dict[str, Any]:
        """The run settings chosen here (keys of :func:`jitlab.core.settings.make_settings`)."""
        device = self.device.currentData() or AUTO_DEVICE
        text = self.device.currentText()
        # A device only guessed (restored or recorded, not yet seen by a runner) must not be forced on a run.
        if text.endswith("(as recorded)") or ("detecting devices" in text and device != self.explicit_device):
            device = AUTO_DEVICE
        return {
            "target": self.target.currentData(), "device": device,
            "variants": self.checked_variants(), "mode": self.mode.currentData(), "iters": self.iters.value(),
            "warmup": self.warmup.value(), "timeout": float(self.timeout.value()),
            "stall_timeout": float(self.stall_timeout.value()),
            "cpu_fusion": self.cpu_fusion.isChecked(),
            "compile_dynamic": self.compile_dynamic.currentData(),
            "compile_fullgraph": self.compile_fullgraph.isChecked(),
            "compile_cache": "warm" if self.compile_warm.isChecked() else "cold",
        }

    def apply(self, values: dict[str, Any]) -> None:
        """Set controls from ``values`` (any subset of :meth:`values`' keys)."""
        if values.get("variants"):
            chosen = values["variants"]
            chosen = chosen.split(",") if isinstance(chosen, str) else list(chosen)
            for name, box in self.variant_boxes.items():
                box.setChecked(name in chosen)
        if values.get("mode") in ("train", "infer"):
            self.mode.setCurrentIndex(self.mode.findData(values["mode"]))
        if values.get("cpu_fusion") is not None:
            self.cpu_fusion.setChecked(bool(values["cpu_fusion"]))
        if values.get("compile_dynamic") in ("auto", "true", "false"):
            self.compile_dynamic.setCurrentIndex(self.compile_dynamic.findData(values["compile_dynamic"]))
        if values.get("compile_fullgraph") is not None:
            self.compile_fullgraph.setChecked(bool(values["compile_fullgraph"]))
        if values.get("compile_cache") in ("cold", "warm"):
            self.compile_warm.setChecked(values["compile_cache"] == "warm")
        for key, widget in (("iters", self.iters), ("warmup", self.warmup), ("timeout", self.timeout),
                            ("stall_timeout", self.stall_timeout)):
            if values.get(key) is not None:
                widget.setValue(type(widget.value())(values[key]))
        if values.get("device"):
            self._preferred_device = str(values["device"])
            idx = self.device.findData(self._preferred_device)
            if idx < 0 and self.device.count() == 1 and self.device.itemData(0) == AUTO_DEVICE:
                self.device.setItemData(0, self._preferred_device)
                self.device.setItemText(0, f"{self._preferred_device} (detecting devices…)")
            elif idx >= 0:
                self.device.setCurrentIndex(idx)
        if values.get("target") is not None:
            name = canonical_target(str(values["target"]))
            idx = self.target.findData(name)
            if idx < 0:
                self.target.addItem(target_label(name), name)
                idx = self.target.count() - 1
            self.target.setCurrentIndex(idx)

    def restore(self, prefs: Preferences) -> None:
        values = {k: prefs.get(f"run/{k}") for k in _PREF_KEYS}
        if values["variants"] is not None:
            values["variants"] = prefs.get("run/variants", [], list)
        self.apply({k: v for k, v in values.items() if v not in (None, "", [])})

    def save(self, prefs: Preferences, skip: set[str] | frozenset[str] = frozenset()) -> None:
        """Save the run settings as preferences, except the keys in ``skip`` (which keep their saved value)."""
        values = self.values()
        for key in _PREF_KEYS:
            if key not in skip:
                prefs.set(f"run/{key}", values[key])

    # ---- state

    def set_running(self, running: bool, can_run: bool = True) -> None:
        self.run_button.setEnabled(not running and can_run and bool(self.checked_variants()))
        self.stop_button.setEnabled(running)
        for w in (self.target, self.device, self.mode, self.iters, self.warmup, self.timeout, self.stall_timeout,
                  self.compile_dynamic, self.compile_fullgraph, self.compile_warm, *self.variant_boxes.values()):
            w.setEnabled(not running)

    def _on_variant_toggled(self, _on: bool) -> None:
        checked = self.checked_variants()
        if self.stop_button.isEnabled():
            return
        self.run_button.setEnabled(bool(checked) and self.file_label.toolTip() != "")
        self.sig_variants_changed.emit(checked)


def _same_target(name: str, wanted: str) -> bool:
    """``small``, ``target_small`` and ``target_small()`` name one target; ``target`` is the default."""
    def norm(n: str) -> str:
        n = n.strip().removesuffix("()")
        n = "default" if n in ("target", "default") else n.removeprefix("target_")
        return n
    return norm(name) == norm(wanted)


def canonical_target(name: str) -> str:
    """The probe's name of a target given as ``small``, ``target_small`` or ``target`` (-> ``default``)."""
    if name == "target":
        return "default"
    return name[len("target_"):] if name.startswith("target_") and len(name) > len("target_") else name


def target_label(name: str) -> str:
    """``target()`` for the default target, ``target_<name>()`` otherwise."""
    return "target()" if name in ("default", "target") else f"target_{name}()"
