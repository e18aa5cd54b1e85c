"""What the sampled blocks cost the timed iterations beside them.

jitlab measures device time in sampled blocks under the profiler, apart from
the timed blocks. Whether the profiler leaves anything behind that slows the
timed iterations (CUPTI callbacks that stay registered, cold caches, a busier
allocator) is measured here in one run, interleaved: two runners of the same
variant, ``A`` and ``B``, take turns in rounds of timed blocks in a random
order, exactly as jitlab's rounds do. For the first half of the rounds
neither is sampled; for the second half ``A`` gets a sampled block at the end
of every round, as every runner does in ``jitlab run``. The cost is how much
the per-round ratio ``A / B`` of block medians moves between the two halves
(the first half calibrates away any difference between the two processes).

Results go to ``benchmarks/results/sampling-cost-<device>-<date>.{json,md}``.

Usage
-----
::

    python benchmarks/sampling_cost.py --device cuda --cases conv2d,lstm --rounds 40
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import benchlib as B

from jitlab.core import protocol as P
from jitlab.core.session import store as S
from jitlab.core import stats
from jitlab.core.run.conductor import SAMPLE_MAX_ITERS, SAMPLE_SPAN_MS, TARGET_BLOCK_MS, Conductor
from jitlab.core.settings import make_settings
from jitlab.host.launch import runner_command
from jitlab.host.placement import place

CASES = {"conv2d": "conv2d.py", "lstm": "lstm.py", "gated": "gated.py", "trivial": None}


class Runner:
    """One runner process, driven synchronously (a benchmark needs no event loop)."""

    def __init__(self, python: str) -> None:
        self.p = subprocess.Popen(runner_command(python), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=B.child_env(), bufsize=0)
        self.expect(P.READY)

    def send(self, cmd: dict[str, Any]) -> None:
        self.p.stdin.write(P.encode(cmd))

    def expect(self, kind: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Read messages until one of ``kind``; return it and the ``iters`` batches before it."""
        batches = []
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError(f"the runner ended before sending {kind!r}")
            msg = P.decode(line)
            if msg.get("t") == P.ERROR:
                raise RuntimeError(msg.get("message"))
            if msg.get("t") == P.ITERS:
                batches.append(msg)
            if msg.get("t") == kind:
                return msg, batches

    def close(self) -> None:
        try:
            self.send({"cmd": P.CMD_FINISH})
            self.p.wait(timeout=30)
        except Exception:  # noqa: BLE001
            self.p.kill()


def block_median(batches: list[dict[str, Any]]) -> float:
    totals = []
    for b in batches:
        if b.get("warmup"):
            continue
        totals += [f + (x or 0.0) for f, x in zip(b["fwd"], b["bwd"])]
    return statistics.median(totals)


def measure_case(file: Path, variant: str, device: str, rounds: int, python: str, seed: int) -> dict[str, Any]:
    settings = make_settings(file=str(file), device=device, variants=[variant], iters=10 ** 9)
    place(settings)  # both runners on the one core jitlab would give its runners
    load = Conductor(S.new_session(settings)).load_command(variant)
    runners = {"A": Runner(python), "B": Runner(python)}
    try:
        est = 1.0
        for r in runners.values():
            r.send(load)
            r.expect(P.LOADED)
        for r in runners.values():
            r.send({"cmd": P.CMD_BUILD})
            built, _ = r.expect(P.BUILT)
            est = max(est, float(built.get("est_iter_ms") or 1.0))
        block = max(1, int(TARGET_BLOCK_MS // est))
        n_sample = max(1, min(SAMPLE_MAX_ITERS, -(-int(SAMPLE_SPAN_MS) // max(int(est), 1))))
        rng = random.Random(seed)
        medians: dict[str, dict[int, float]] = {"A": {}, "B": {}}
        sampled_ms = []
        for k in range(1, 2 * rounds + 1):
            order = ["A", "B"]
            rng.shuffle(order)
            for name in order:
                runners[name].send({"cmd": P.CMD_RUN, "n": block, "round": k, "resume": 0})
                _, batches = runners[name].expect(P.BLOCK)
                medians[name][k] = block_median(batches)
            if k > rounds:  # the second half: A is sampled after every round, as in jitlab run
                runners["A"].send({"cmd": P.CMD_SAMPLE, "n": n_sample, "round": k})
                msg, _ = runners["A"].expect(P.SAMPLED)
                sampled_ms.append(msg.get("elapsed_ms"))
    finally:
        for r in runners.values():
            r.close()
    first = {k: v for k, v in medians["A"].items() if k <= rounds}
    second = {k: v for k, v in medians["A"].items() if k > rounds}
    base = stats.paired_speedup({k: medians["B"][k] for k in first}, first)  # B/A without sampling
    with_s = stats.paired_speedup({k: medians["B"][k] for k in second}, second)  # B/A with A sampled
    # A's slowdown from sampling = (A/B with) / (A/B without) - 1 = base / with - 1
    cost = base["estimate"] / with_s["estimate"] - 1 if base and with_s else None
    return {
        "variant": variant, "block": block, "sample_iters": n_sample, "rounds_each": rounds,
        "a_over_b_unsampled": 1 / base["estimate"] if base else None,
        "a_over_b_unsampled_ci": [1 / base["ci"][1], 1 / base["ci"][0]] if base and base.get("ci") else None,
        "a_over_b_sampled": 1 / with_s["estimate"] if with_s else None,
        "a_over_b_sampled_ci": [1 / with_s["ci"][1], 1 / with_s["ci"][0]] if with_s and with_s.get("ci") else None,
        "cost": cost,
        "sampled_block_ms_median": statistics.median(sampled_ms) if sampled_ms else None,
        "block_medians": medians,
    }


def report_md(data: dict[str, Any]) -> str:
    rows = []
    for case, r in data["cases"].items():
        if r.get("error"):
            rows.append([case, "—", "—", "—", "—", "—", r["error"]])
            continue
        ci = lambda c: "" if not c else f" [{c[0]:.3f}–{c[1]:.3f}]"  # noqa: E731
        rows.append([case, f"{r['variant']}, blocks of {r['block']}, {r['rounds_each']}+{r['rounds_each']} rounds",
                     f"{r['a_over_b_unsampled']:.4f}{ci(r['a_over_b_unsampled_ci'])}",
                     f"{r['a_over_b_sampled']:.4f}{ci(r['a_over_b_sampled_ci'])}",
                     f"{r['cost']:+.2%}", B.fmt_ms(r["sampled_block_ms_median"]), ""])
    return (f"# Cost of the sampled blocks on {data['device_name']} ({data['date']})\n\n`{data['command']}`\n\n"
            "A/B: per-round ratio of block medians of two runners of the same variant; in the second half A gets "
            "a sampled block after every round.\n\n"
            + B.markdown_table(["case", "setup", "A/B unsampled", "A/B, A sampled", "cost on timed iterations",
                                "one sampled block", "error"], rows) + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--cases", default="conv2d,lstm")
    p.add_argument("--variant", default="eager")
    p.add_argument("--rounds", type=int, default=30, help="rounds in each half")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--out-dir", type=Path, default=B.RESULTS)
    args = p.parse_args(argv)
    data: dict[str, Any] = {"command": B.command_line(), "date": B.today(), "device_name": args.device, "cases": {}}
    for case in args.cases.split(","):
        file = B.TRIVIAL if CASES[case] is None else B.ROOT / "resources" / "examples" / CASES[case]
        try:
            data["cases"][case] = measure_case(file, args.variant, args.device, args.rounds, args.python, args.seed)
        except Exception as exc:  # noqa: BLE001 - one case failing leaves the others
            data["cases"][case] = {"error": f"{type(exc).__name__}: {exc}"}
        if args.device.startswith("cuda"):
            try:
                import torch  # only for the device's name in the file name

                data["device_name"] = torch.cuda.get_device_name(0)
            except Exception:  # noqa: BLE001
                pass
        stem = f"sampling-cost-{B.slug(data['device_name'])}-{data['date']}"
        B.write_json(args.out_dir / f"{stem}.json", data)
        (args.out_dir / f"{stem}.md").write_text(report_md(data), encoding="utf-8")
    print(report_md(data))
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "block_medians"} for k, v in data["cases"].items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
