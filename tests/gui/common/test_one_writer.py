"""One session writer: ``jitlab run``'s save and the app's File ▸ Save write the same file."""

from __future__ import annotations

import stat

from jitlab.core.session import store as S
from jitlab.gui.common.export import export_session

from tests.conftest import RECORDED


def test_the_command_line_and_the_app_write_the_same_bytes(tmp_path):
    session = S.load(RECORDED / "gated_cpu.json")
    cli = S.save(session, tmp_path / "cli.json")
    app = export_session(session, tmp_path / "app.json")
    assert cli.read_bytes() == app.read_bytes()
    assert S.load(cli) == S.load(RECORDED / "gated_cpu.json")
    assert stat.S_IMODE(cli.stat().st_mode) == stat.S_IMODE(app.stat().st_mode) == S.file_mode()
