"""The session file: the JSON contract that the CLI writes and the app reads.

A session is plain JSON. Loading never executes code. The schema name carries
a version; a newer major version is refused by name.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jitlab.core import stats
from jitlab.core.present import breakdown
from jitlab.core.session import iterations
from jitlab.core.session import schema as session_schema
from jitlab.core.session.types import Session, Status, Variant

SCHEMA = "jitlab.session/1"
SCHEMA_FAMILY = "jitlab.session/"
SCHEMA_VERSION = 1
#: A larger file is refused unread (a 10⁶-iteration session of four variants is about 400 MiB).
MAX_SESSION_BYTES = 2 * 2**30

STATUS_OK: Status = "ok"
STATUS_FAILED: Status = "failed"
STATUS_TIMEOUT: Status = "timeout"
STATUS_NOT_APPLICABLE: Status = "not_applicable"
STATUS_STOPPED: Status = "stopped"
STATUS_PENDING: Status = "pending"
STATUS_RUNNING: Status = "running"
FINAL_STATUSES = (STATUS_OK, STATUS_FAILED, STATUS_TIMEOUT, STATUS_NOT_APPLICABLE, STATUS_STOPPED)


class SessionError(ValueError):
    """A file that is not a jitlab session (or one this version cannot read)."""


def new_variant() -> Variant:
    """An empty variant record with every key of the schema present."""
    return {
        "status": STATUS_PENDING,
        "error": None,
        "iterations": [],
        "stats": {"fwd": None, "bwd": None, "total": None},
        "speedup_vs_eager": None,
        "speedup_ci": None,
        "speedup_method": None,
        "build_ms": None,
        "first_call_ms": None,
        "check": None,
        "warnings": [],
        "peak_memory_bytes": None,
        "drift": None,
        "graphs": None,
        "kernels": None,
        "notes": [],
        # Where the time goes (see jitlab.core.present.breakdown): sampled device time and what follows from it.
        "device_samples": [],
        "device_unit": None,
        "device": None,
        "speedup_device": None,
        "speedup_host_dependent": None,
        "speedup_unreliable": False,
        "reliability": None,
        # Compile variants (see jitlab.runner.compile_times, .recompiles, .cudagraphs).
        "compile_time": None,
        "recompiles": [],
        "cudagraphs": None,
    }


def new_session(settings: dict[str, Any]) -> Session:
    """An empty session for the given run settings."""
    from jitlab import __version__

    return {
        "schema": SCHEMA,
        "jitlab": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "env": {},
        "settings": dict(settings),
        "schedule": {"kind": settings.get("schedule", "interleaved"), "block": None, "rounds": [], "notes": []},
        "variants": {name: new_variant() for name in settings.get("variants", [])},
        "samples": [],
        "warnings": [],
    }


# ---- derived figures


def finalize(session: dict[str, Any]) -> dict[str, Any]:
    """Recompute statistics, speedups and drift warnings from the iterations.

    Idempotent: everything it writes is derived from ``iterations`` (their columns,
    :mod:`jitlab.core.session.iterations`) and the schedule, so it can run after every round as well
    as at the end.
    """
    variants = session["variants"]
    interleaved = session.get("schedule", {}).get("kind") == "interleaved"
    for v in variants.values():
        mark_recompiles(v)
    columns = {name: iterations.of(v) for name, v in variants.items()}
    blocks = {name: its.block_medians() for name, its in columns.items()}
    for name, v in variants.items():
        v["stats"] = columns[name].summary()
    base = variants.get("eager")
    drift_warnings = []
    for name, v in variants.items():
        v["speedup_vs_eager"] = v["speedup_ci"] = v["speedup_method"] = None
        if base is not None and name != "eager" and base["stats"]["total"] and v["stats"]["total"]:
            sp = stats.speedup_over(blocks["eager"], blocks[name], interleaved,
                                    lambda: (columns["eager"].steady_totals(), columns[name].steady_totals()))
            if sp is not None:
                v["speedup_vs_eager"] = sp["estimate"]
                v["speedup_ci"] = sp["ci"]
                v["speedup_method"] = sp["method"]
        v["drift"] = stats.detect_drift(blocks[name])
        if v["drift"]:
            d = v["drift"]
            drift_warnings.append(
                f"{name}: timings drifted by {d['change']:+.0%} over the run "
                f"(block median {d['first_third_ms']:.3g} ms in the first third, "
                f"{d['last_third_ms']:.3g} ms in the last)"
            )
    others = [w for w in session.get("warnings", []) if not w.startswith(tuple(f"{n}: timings drifted" for n in variants))]
    session["warnings"] = others + drift_warnings
    breakdown.derive(session)
    return session


def mark_recompiles(variant: dict[str, Any]) -> None:
    """Flag the iterations a recompile slowed (``recompile``), so that no statistic counts them."""
    excluded = {i for r in variant.get("recompiles") or [] for i in r.get("excluded") or [r["i"]]}
    if not excluded:
        return
    its = variant["iterations"]
    if isinstance(its, iterations.IterationStore):
        its.exclude(excluded)
        return
    for it in its:  # a loaded file's records
        if it.get("i") in excluded:
            it["recompile"] = True


# ---- files


def save(session: dict[str, Any], path: str | os.PathLike, overwrite: bool = True) -> Path:
    """Write a session file: the one writer of both the command line and the app.

    Compact JSON encoded in pieces (:func:`encode`), written to a temporary file beside ``path``,
    synced, then published in one step (:func:`publish`).

    Raises
    ------
    FileExistsError
        If ``overwrite`` is false and the file exists.
    OSError
        If it cannot be written; no partial file is left behind.
    """
    path = Path(path)
    if not overwrite and path.exists():
        raise FileExistsError(f"{path} exists; not replacing it")
    tmp = temp_beside(path)
    try:
        write_encoded(session, tmp)
        publish(tmp, path, overwrite)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_encoded(session: dict[str, Any], tmp: Path) -> None:
    """Write the session's text (:func:`encode`) into the temporary file ``tmp``, synced to disk."""
    text = encode(session)
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())


def encode(session: dict[str, Any], chunk: int = 1000) -> str:
    """The session as compact JSON, encoded in small pieces.

    The C encoder holds the interpreter lock for a whole ``json.dumps`` call
    (25 ms for 20,000 iterations), and the pure-Python one is four times
    slower; encoding the iteration lists a thousand at a time keeps every
    hold short, so a save in a worker thread never stalls the app's GUI thread.
    """
    markers = {name: f"\x00iterations:{name}\x00" for name in session["variants"]}
    shell = {**session, "variants": {name: {**rec, "iterations": markers[name]}
                                     for name, rec in session["variants"].items()}}
    text = json.dumps(shell, separators=(",", ":"), allow_nan=True)
    for name, rec in session["variants"].items():
        its = rec["iterations"]  # a store builds its records a piece at a time, as they are encoded
        pieces = [json.dumps(its[i:i + chunk], separators=(",", ":"), allow_nan=True)[1:-1]
                  for i in range(0, len(its), chunk)]
        text = text.replace(json.dumps(markers[name]), "[" + ",".join(p for p in pieces if p) + "]", 1)
    return text


def temp_beside(path: Path) -> Path:
    """An empty temporary file in ``path``'s folder (created with it), to be published as ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
    os.close(fd)
    return Path(name)


def file_mode() -> int:
    """The mode a new file gets under the user's umask (``0o666 & ~umask``).

    ``tempfile.mkstemp`` creates its file 0600 whatever the umask; the published file must not be.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)  # read it back (no other way off Linux), restored at once
    os.umask(current)
    return 0o666 & ~current


def publish(tmp: Path, path: Path, overwrite: bool) -> None:
    """Give the written ``tmp`` the name ``path``: renamed over it when ``overwrite``, else only if
    that name is free (even if it was taken a moment ago).

    Raises
    ------
    FileExistsError
        If ``overwrite`` is false and ``path`` exists.
    """
    try:
        os.chmod(tmp, file_mode())
    except OSError:
        pass
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # atomic, and fails if the name was taken meanwhile
    except FileExistsError:
        raise FileExistsError(f"{path} exists; not replacing it") from None
    except OSError:  # a file system without hard links: check, then rename
        if path.exists():
            raise FileExistsError(f"{path} exists; not replacing it") from None
        os.replace(tmp, path)


def load(path: str | os.PathLike) -> dict[str, Any]:
    """Read and validate a session file.

    Raises
    ------
    SessionError
        With a message naming the file, for a missing, truncated, foreign
        or newer-version file.
    """
    path = Path(path)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block, /dev/zero would never end
            raise SessionError(f"{path}: not a session file (not a regular file)")
        if st.st_size > MAX_SESSION_BYTES:
            raise SessionError(f"{path}: not read: {st.st_size / 2**20:.0f} MiB is larger than any session "
                               f"({MAX_SESSION_BYTES // 2**20} MiB at most)")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SessionError(f"{path}: cannot read session file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise SessionError(f"{path}: not a jitlab session (not UTF-8 text)") from exc
    try:
        data = json.loads(text)
    except RecursionError:
        raise SessionError(f"{path}: not a valid session file: its JSON is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise SessionError(
            f"{path}: not a valid session file: JSON error at line {exc.lineno}, column {exc.colno} "
            f"({exc.msg}); the file may be truncated"
        ) from exc
    return validate(data, str(path))


def validate(data: Any, origin: str = "session", check_schema: bool = True) -> dict[str, Any]:
    """Check a decoded session and return it.

    ``check_schema=False`` skips the walk over every value (:mod:`jitlab.core.session.schema`), for a
    session this process built from checked runner messages: on a long run the walk is tens of
    milliseconds of pure Python, which a writer thread would take from the app's event loop.
    """
    if not isinstance(data, dict) or "schema" not in data:
        raise SessionError(f"{origin}: not a jitlab session (no 'schema' field)")
    schema = data["schema"]
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_FAMILY):
        raise SessionError(f"{origin}: not a jitlab session (schema {schema!r})")
    try:
        version = int(schema[len(SCHEMA_FAMILY):])
    except ValueError:
        raise SessionError(f"{origin}: unknown session schema {schema!r}") from None
    if version > SCHEMA_VERSION:
        raise SessionError(
            f"{origin}: written with session schema {schema!r}, newer than this jitlab reads "
            f"({SCHEMA!r}); upgrade jitlab to open it"
        )
    for key in ("env", "settings", "variants"):
        if not isinstance(data.get(key), dict):
            raise SessionError(f"{origin}: session is missing its {key!r} section")
    for name, v in data["variants"].items():
        if not isinstance(v, dict) or "status" not in v or not isinstance(v.get("iterations"),
                                                                          (list, iterations.IterationStore)):
            raise SessionError(f"{origin}: variant {name!r} is incomplete (no status or iterations)")
    try:
        if check_schema:
            session_schema.check(data)
    except session_schema.SchemaError as exc:
        raise SessionError(f"{origin}: not a valid session: {exc}") from None
    for name, v in data["variants"].items():
        for key, value in new_variant().items():
            v.setdefault(key, value)
    data.setdefault("schedule", {"kind": "sequential", "block": None, "rounds": [], "notes": []})
    data.setdefault("samples", [])
    data.setdefault("warnings", [])
    return data
