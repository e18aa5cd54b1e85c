"""The empty state: open a module or a session, or start from a bundled example."""

from __future__ import annotations

import ast
import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCommandLinkButton, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from jitlab import assets


def docstring_summary(path: Path, limit: int = 150) -> str:
    """First sentence of a module file's docstring (parsed, never executed)."""
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    except (OSError, SyntaxError, ValueError):
        return ""
    text = " ".join((doc or "").strip().split("\n\n")[0].split())
    sentence = text.split(". ")[0].rstrip(".") + "."
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0] + "…"
    return sentence


class QtWelcome(QWidget):
    """What the window shows before anything is open."""

    sig_open_module_requested = Signal()
    """"Open module…" was pressed."""

    sig_open_session_requested = Signal()
    """"Open session…" was pressed."""

    sig_path_chosen = Signal(str)
    """An example or a recent file was chosen (its path)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<h1>jitlab</h1>")
        subtitle = QLabel("Profile a PyTorch module as eager, <code>torch.jit.script</code>, "
                          "<code>torch.jit.trace</code> and <code>torch.compile</code> variants, side by side.<br>"
                          "Open a module file with a <code>target()</code> function returning "
                          "<code>(module, inputs)</code>, or drop a <code>.py</code> or session file here.")
        subtitle.setWordWrap(True)
        self.open_module = QPushButton("Open module…")
        self.open_module.setObjectName("openModuleButton")
        self.open_module.setMinimumHeight(36)
        self.open_session = QPushButton("Open session…")
        self.open_session.setMinimumHeight(36)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_module)
        buttons.addWidget(self.open_session)
        buttons.addStretch(1)

        self.example_buttons: dict[str, QCommandLinkButton] = {}
        examples = QVBoxLayout()
        examples.addWidget(QLabel("<b>Examples</b>"))
        for name, path in assets.examples().items():
            button = QCommandLinkButton(f"{name}.py", docstring_summary(path))
            button.setToolTip(str(path))
            button.clicked.connect(lambda _=False, p=str(path): self.sig_path_chosen.emit(p))
            self.example_buttons[name] = button
            examples.addWidget(button)
        self.recent_box = QVBoxLayout()
        self.recent_frame = QFrame()
        self.recent_frame.setLayout(self.recent_box)

        column = QVBoxLayout()
        column.addWidget(title)
        column.addWidget(subtitle)
        column.addSpacing(12)
        column.addLayout(buttons)
        column.addSpacing(12)
        column.addLayout(examples)
        column.addWidget(self.recent_frame)
        column.addStretch(1)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        inner = QWidget()
        inner.setLayout(column)
        inner.setMaximumWidth(760)
        outer.addWidget(inner, 4)
        outer.addStretch(1)
        self.open_module.clicked.connect(self.sig_open_module_requested)
        self.open_session.clicked.connect(self.sig_open_session_requested)

    def set_recent(self, files: list[str]) -> None:
        """Show the recent files (most recent first)."""
        while self.recent_box.count():
            item = self.recent_box.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.recent_frame.setVisible(bool(files))
        if not files:
            return
        self.recent_box.addWidget(QLabel("<b>Recent</b>"))
        for f in files[:8]:
            label = QLabel(f'<a href="{html.escape(f)}">{html.escape(Path(f).name)}</a> '
                           f'<span style="color:gray">{html.escape(str(Path(f).parent))}</span>')
            label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
            label.linkActivated.connect(self.sig_path_chosen)
            self.recent_box.addWidget(label)
