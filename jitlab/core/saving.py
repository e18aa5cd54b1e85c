"""Saving the module for deployment, parent side: the commands a saving
runner gets, and what its answer says.

The CLI (``jitlab run --save DIR``, through :mod:`jitlab.host.saving`) and
the app (File ▸ Save variant…) both start a runner, send it
:func:`commands`, and read its stdout with :func:`read_answer`; the
runner does the work in :mod:`jitlab.runner.save`. No torch, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jitlab.core import protocol as P

#: What a saving runner may write: TorchScript from script and trace, and a torch.export program.
KINDS = ("script", "trace", "export")


@dataclass
class SaveReport:
    """What a saving runner did."""

    folder: str
    results: list[dict[str, Any]] = field(default_factory=list)
    #: Set when nothing could be saved at all (the file did not load, the runner died).
    error: str | None = None
    example: str | None = None

    @property
    def ok(self) -> bool:
        """Every kind asked for was saved and loads back to the same outputs."""
        return self.error is None and bool(self.results) and all(r.get("ok") for r in self.results)

    @property
    def written(self) -> list[str]:
        return [r["file"] for r in self.results if r.get("file")]


def commands(settings: dict[str, Any], folder: str | Path, kinds: list[str] | None = None) -> bytes:
    """``load``, ``save`` and ``finish`` for a runner that saves the module of ``settings``.

    The module is saved in eval mode (dropout off, batch norm on its running
    statistics): a deployed module runs inference.
    """
    load = {"cmd": P.CMD_LOAD, "variant": P.SAVE_VARIANT, "mode": "infer",
            **{k: settings.get(k) for k in ("file", "target", "device", "seed", "threads", "matmul_precision")}}
    save = {"cmd": P.CMD_SAVE, "folder": str(Path(folder).resolve()), "kinds": list(kinds or KINDS)}
    return b"".join(P.encode(c) for c in (load, save, {"cmd": P.CMD_FINISH}))


def read_answer(folder: str | Path, stdout: bytes, stderr_tail: str = "", exit_code: int | None = 0) -> SaveReport:
    """The report from a saving runner's whole stdout."""
    messages = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        try:
            messages.append(P.decode(line))
        except P.ProtocolError:
            continue  # the user's prints go to stderr; anything else here is not ours
    return report_from(folder, messages, stderr_tail, exit_code)


def report_from(folder: str | Path, messages: list[dict[str, Any]], stderr_tail: str = "",
                exit_code: int | None = 0) -> SaveReport:
    """The report from the messages a saving runner sent, once it has ended."""
    report = SaveReport(str(folder))
    saved = False
    for msg in messages:
        if msg.get("t") == P.SAVED:
            saved = True
            report.folder = str(msg.get("folder") or folder)
            results = msg.get("results")
            report.results = [_result(r) for r in (results if isinstance(results, list) else []) if isinstance(r, dict)]
            report.example = msg["example"] if isinstance(msg.get("example"), str) else None
        elif msg.get("t") == P.ERROR and report.error is None:
            report.error = str(msg.get("message") or "the runner reported an error")
    if not saved and report.error is None:
        tail = stderr_tail.strip().splitlines()
        report.error = (f"the saving runner ended (exit status {exit_code}) without saving anything"
                        + (f": {tail[-1]}" if tail else ""))
    return report


def _result(raw: dict[str, Any]) -> dict[str, Any]:
    """One kind's result with the fields the report reads, of the types it reads them as.

    The runner runs the user's code, which can reach its channel; a forged
    field must not break the report.
    """
    def text(key: str) -> str | None:
        value = raw.get(key)
        return value if isinstance(value, str) else None

    check = raw.get("check") if isinstance(raw.get("check"), dict) else None
    err = (check or {}).get("max_abs_err")
    return {
        "kind": text("kind") or "?", "what": text("what"), "ok": raw.get("ok") is True, "file": text("file"),
        "error": text("error"), "location": raw.get("location") if isinstance(raw.get("location"), dict) else None,
        "check": {**check, "max_abs_err": err if isinstance(err, (int, float)) else None} if check else None,
    }


def report_text(report: SaveReport) -> str:
    """Lines for the terminal or a message box: one per kind, what failed in one line."""
    if report.error is not None and not report.results:
        return f"nothing saved to {report.folder}: {report.error}"
    lines = [f"saved to {report.folder} (eval mode):"]
    for r in report.results:
        name = Path(r["file"]).name if r.get("file") else "-"
        if r.get("ok"):
            check = r.get("check") or {}
            err = check.get("max_abs_err")
            same = ("same outputs as the module" if err in (None, 0) else
                    f"same outputs as the module (max abs difference {err:.2g})")
            lines.append(f"  {r.get('kind'):<7} {name}: loads back, {same}")
        else:
            lines.append(f"  {r.get('kind'):<7} FAILED: {r.get('error') or 'failed'}")
    if report.example:
        lines.append(f"  example inputs and outputs: {Path(report.example).name}")
    if report.error:
        lines.append(f"  {report.error}")
    return "\n".join(lines)
