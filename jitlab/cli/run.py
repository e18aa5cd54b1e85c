"""``jitlab run``: profile a module file headlessly."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from jitlab import VARIANTS
from jitlab.cli import output
from jitlab.cli.format import session_report
from jitlab.cli.text import clean
from jitlab.core.session import iterations
from jitlab.core.session import store as S
from jitlab.core.run.conductor import Conductor
from jitlab.core.run.outcome import EXIT_NOTHING_RAN, EXIT_SOME_FAILED, exit_status
from jitlab.core.run.watchdog import state_text
from jitlab.core.settings import DEFAULTS, InputError, check_module_file, make_settings
from jitlab.host import stop_signals
from jitlab.host.driver import ProcessDriver, RunnerStartError
from jitlab.host.launch import runner_python
from jitlab.host.placement import place
from jitlab.assets import example_path


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="jitlab run",
        description="Profile a PyTorch module file as eager, scripted, traced and compiled variants, each in its "
                    "own process; print a table and write a session file.",
        epilog="examples:\n"
               "  jitlab run                                  the bundled Conv2d example\n"
               "  jitlab run layer.py --device cuda --variants eager,script,trace,compile\n"
               "  jitlab run layer.py --device cuda --variants eager,compile,compile:reduce-overhead\n"
               "  jitlab run layer.py --target small --mode infer --iters 500 --out s.json\n"
               "  jitlab run layer.py --precision 0.02 --budget 120   stop once speedups are known to +/-2%",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", nargs="?", help="module file with target()/target_<name>() (default: bundled Conv2d example)")
    p.add_argument("--target", help="target name (target_<name> or <name>; default: `target`, or the only one)")
    p.add_argument("--device", default=DEFAULTS["device"], help="auto, cpu, cuda, cuda:N or mps (default: auto)")
    p.add_argument("--variants", default=",".join(DEFAULTS["variants"]),
                   help=f"comma-separated, from {','.join(VARIANTS)} (default: %(default)s)")
    p.add_argument("--mode", choices=("train", "infer"), default="train",
                   help="train: forward+backward; infer: eval() under inference_mode (default: train)")
    p.add_argument("--iters", type=int, default=DEFAULTS["iters"], help="measured iterations per variant")
    p.add_argument("--warmup", type=int, default=DEFAULTS["warmup"], help="warm-up iterations, at least (kept and flagged, never in stats; more run while times still settle)")
    p.add_argument("--timeout", type=float, default=DEFAULTS["timeout"],
                   help="seconds of work a variant may take before it is killed (default: %(default)g)")
    p.add_argument("--stall-timeout", type=float, default=DEFAULTS["stall_timeout"], metavar="S",
                   help="seconds a variant may go without progress (no iteration, no status) before it is reported "
                        "as hung, with its Python stack, and stopped; 0: off (default: %(default)g; compile's first "
                        "call gets five times as long)")
    p.add_argument("--schedule", choices=("interleaved", "sequential"), default="interleaved",
                   help="interleaved rounds across variants (default) or one variant after another")
    p.add_argument("--budget", type=float, help="stop measuring after this many seconds")
    p.add_argument("--precision", type=float, help="stop once every speedup's 95%% CI is within +/- this fraction")
    p.add_argument("--block", type=int, help="iterations per block (default: chosen for ~100 ms blocks)")
    p.add_argument("--seed", type=int, default=0, help="torch/numpy/random seed before the target is built")
    p.add_argument("--threads", type=int, help="torch CPU threads in every variant (default: torch's default)")
    p.add_argument("--pin-cpus", metavar="auto|none|LIST", default="auto",
                   help="CPU cores of the runners: auto (default) puts every GPU runner's launching thread on one "
                        "shared, idle core and leaves CPU runs alone; none lets the OS move them; a list such as "
                        "2,3 pins every runner on any device. Linux only")
    p.add_argument("--cpu-fusion", action="store_true",
                   help="diagnostic: let NNC fuse on CPU through its interpreter (timings become diagnostic)")
    p.add_argument("--dynamic", choices=("auto", "true", "false"), default=DEFAULTS["compile_dynamic"],
                   help="torch.compile's dynamic= for every compile variant: auto (torch's default: static, "
                        "dynamic after a shape change), true or false (default: %(default)s)")
    p.add_argument("--fullgraph", action="store_true",
                   help="torch.compile(fullgraph=True): a graph break fails the compile variants")
    p.add_argument("--compile-cache", choices=("cold", "warm"), default=DEFAULTS["compile_cache"],
                   help="cold (default): every compile variant compiles with its own empty Inductor and Triton "
                        "cache, so first calls compare run to run; warm: your caches, where a first call may be "
                        "a cache hit")
    p.add_argument("--no-introspect", action="store_true", help="skip graphs and kernel lists")
    p.add_argument("--no-device-time", action="store_true",
                   help="no sampled blocks: skip device-busy time (on a CPU: time inside operators) per phase")
    p.add_argument("--trace-out", help="folder for a Chrome/Perfetto trace per variant")
    p.add_argument("--save", metavar="DIR",
                   help="also save the module for deployment in DIR: TorchScript files of script and trace "
                        "(torch.jit.save) and a torch.export program (.pt2), each loaded back and checked against "
                        "the module; what could not be saved is said in one line")
    p.add_argument("--out", help="session file to write (default: jitlab-session-<file>-<time>.json)")
    p.add_argument("--python", help="interpreter with torch for the runners (default: $JITLAB_PYTHON or this one)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.add_argument("-v", "--verbose", action="store_true", help="show runner output and full tracebacks")
    return p


class Progress:
    """One progress line on stderr: variant, phase, iteration count, elapsed."""

    def __init__(self, session: dict, enabled: bool) -> None:
        self.session = session
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.t0 = time.monotonic()
        self.phase: dict[str, str] = {}
        self._last_print = 0.0
        self._last_text = ""
        #: The run's conductor: the line shows each variant's real state from it.
        self.conductor = None

    def __call__(self, event: str, variant: str | None, payload: dict) -> None:
        if not self.enabled:
            return
        important = False
        if event == "status" and variant:
            self.phase[variant] = payload.get("phase", "") + (f" ({payload['text']})" if payload.get("text") else "")
        elif event == "variant_done" and variant:
            self.phase[variant] = self.session["variants"][variant]["status"]
            important = True
        if event == "status" and payload.get("phase") == "stalled":
            important = True
        elif event == "finished":
            if self.tty:
                sys.stderr.write("\r\033[K")
            return
        now = time.monotonic()
        # A terminal gets a live line; a log gets a line every few seconds.
        if now - self._last_print < (0.2 if self.tty else 3.0) and not important:
            return
        self._last_print = now
        st = self.session["settings"]
        parts = []
        for v, rec in self.session["variants"].items():
            measured = iterations.of(rec).measured_count
            ph = self.phase.get(v, "waiting")
            if ph.startswith("measuring"):
                ph = f"measuring {measured}/{st['iters']}"
            if self.conductor is not None:
                ph = state_text(self.conductor, v)
            parts.append(f"{v}: {ph}")
        text = clean(f"[{now - self.t0:6.1f}s] " + " | ".join(parts), keep_newlines=False)  # status text is the runner's
        if self.tty:
            sys.stderr.write("\r\033[K" + text[: 200])
            sys.stderr.flush()
        elif text != self._last_text:
            print(text, file=sys.stderr)
        self._last_text = text


def default_out(file: Path, folder: Path | None = None) -> Path:
    """The default session name; :func:`jitlab.cli.output.save_new` adds ``-2``, ``-3`` ... when it is taken."""
    return (folder or Path.cwd()) / f"jitlab-session-{file.stem}-{datetime.now():%Y%m%d-%H%M%S}.json"


def run_main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        path = check_module_file(args.file) if args.file else example_path("conv2d")
        settings = make_settings(
            file=str(path), target=args.target, device=args.device, variants=args.variants, mode=args.mode,
            iters=args.iters, warmup=args.warmup, timeout=args.timeout, stall_timeout=args.stall_timeout, schedule=args.schedule,
            budget=args.budget, precision=args.precision, block=args.block, seed=args.seed, threads=args.threads,
            cpu_fusion=args.cpu_fusion, introspect=not args.no_introspect,
            # Resolved here: a module that calls os.chdir() must not move the traces.
            trace_out=str(Path(args.trace_out).resolve()) if args.trace_out else None,
            pin_cpus=args.pin_cpus, device_time=not args.no_device_time,
            compile_dynamic=args.dynamic, compile_fullgraph=args.fullgraph, compile_cache=args.compile_cache,
        )
        place(settings)
    except InputError as exc:
        print(f"jitlab run: {exc}", file=sys.stderr)
        return EXIT_NOTHING_RAN
    out = Path(args.out) if args.out else default_out(path)
    try:
        if args.out:
            output.check_writable(out)  # before measuring: a run must not end with nowhere to go
        else:
            output.check_writable(out.parent / ".jitlab-session-probe.json")
    except output.OutputError as exc:
        print(f"jitlab run: {exc}", file=sys.stderr)
        return EXIT_NOTHING_RAN
    if args.save and (problem := _save_folder_problem(Path(args.save))):
        print(f"jitlab run: --save {args.save}: {problem}", file=sys.stderr)
        return EXIT_NOTHING_RAN
    session = S.new_session(settings)
    progress = Progress(session, enabled=not args.quiet)
    conductor = Conductor(session, listener=progress)
    progress.conductor = conductor
    on_stderr = (lambda v, line: print(f"[{v}] {clean(line)}", file=sys.stderr)) if args.verbose else None
    driver = ProcessDriver(conductor, python=args.python, on_stderr=on_stderr, on_signal=_say_stopping)
    try:
        driver.run()
    except RunnerStartError as exc:
        print(f"jitlab run: {exc}", file=sys.stderr)
        return EXIT_NOTHING_RAN
    # A second Ctrl+C after the runners stopped would otherwise kill the process while it writes what
    # was measured: until the session is written, a stop signal only says it is being written.
    held = stop_signals.install(_say_writing)
    try:
        return _finish(args, session, conductor, driver, out, path, settings)
    finally:
        stop_signals.restore(held)


def _finish(args: argparse.Namespace, session: dict, conductor: Conductor, driver: ProcessDriver, out: Path,
            path: Path, settings: dict) -> int:
    """After the runners: the session finalized, written and reported; the exit status."""
    if driver.never_ready and not driver.signals:
        tail = next((v["error"]["message"] for v in session["variants"].values() if v.get("error")), "")
        print(f"jitlab run: the runner interpreter {runner_python(args.python)} never started jitlab's runner "
              f"({clean(tail.splitlines()[0]) if tail else 'no message'}); pass --python or set JITLAB_PYTHON "
              "to a Python that has torch", file=sys.stderr)
        return EXIT_NOTHING_RAN
    S.finalize(session)
    if exit_status(session, fatal=bool(conductor.fatal_error)) == EXIT_NOTHING_RAN:
        err = conductor.fatal_error
        print(f"jitlab run: {clean(err['message'])}", file=sys.stderr)
        if args.verbose and err.get("traceback"):
            print(clean(err["traceback"]), file=sys.stderr)
        return EXIT_NOTHING_RAN
    written, failure = output.write_session(session, out, exclusive=not args.out, stem=path.stem)
    print(clean(session_report(session), keep_newlines=True))
    if args.verbose:
        for name, v in session["variants"].items():
            if v.get("error") and v["error"].get("traceback"):
                print(f"\n{name} traceback:\n{clean(v['error']['traceback'], keep_newlines=True)}", file=sys.stderr)
    if failure:
        print(f"\njitlab run: cannot write the session to {out}: {failure}", file=sys.stderr)
        if written is None:
            print("jitlab run: no fallback location could be written either; the table above is all that is "
                  "left of this run", file=sys.stderr)
            return EXIT_SOME_FAILED
        print(f"session written to {written} instead")
        return EXIT_SOME_FAILED
    print(f"\nsession written to {written}")
    status = exit_status(session)
    if args.save and driver.signals:
        print(f"jitlab run: stopped by a signal, so nothing was saved to {args.save}", file=sys.stderr)
        return max(status, EXIT_SOME_FAILED)
    if args.save and _save(settings, args.save, args.python):
        return max(status, EXIT_SOME_FAILED)
    return status




def _say_writing(signum: int, frame: Any) -> None:
    print("jitlab run: the runners have stopped; writing what was measured", file=sys.stderr)


def _save_folder_problem(folder: Path) -> str | None:
    """Why files cannot be saved in ``folder`` (checked before measuring), or ``None``."""
    if folder.exists() and not folder.is_dir():
        return "is not a folder"
    try:
        output.check_writable(folder / ".jitlab-save-probe")
    except output.OutputError as exc:
        return str(exc).split(": ", 1)[-1]
    return None


def _save(settings: dict, folder: str, python: str | None) -> list[str]:
    """``--save``: the module saved for deployment; returns the kinds that failed."""
    from jitlab.core.saving import report_text
    from jitlab.host.saving import save_module

    try:
        report = save_module(settings, folder, python)
    except RunnerStartError as exc:
        print(f"jitlab run: --save: {exc}", file=sys.stderr)
        return ["save"]
    print("\n" + clean(report_text(report), keep_newlines=True))
    failed = [r.get("kind", "?") for r in report.results if not r.get("ok")]
    return failed or (["save"] if report.error else [])


def _say_stopping(signum: int) -> None:
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = str(signum)
    print(f"\njitlab run: {name}: stopping the runners and keeping what was measured", file=sys.stderr)
