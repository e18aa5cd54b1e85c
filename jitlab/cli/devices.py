"""``jitlab devices``: the devices torch sees, asked of a runner process."""

from __future__ import annotations

import argparse
import sys

from jitlab.cli.text import clean
from jitlab.host.driver import RunnerStartError, ask_runner


def devices_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="jitlab devices", description="List the devices a runner's torch can use.")
    p.add_argument("--python", help="interpreter with torch (default: $JITLAB_PYTHON or this one)")
    args = p.parse_args(argv)
    try:
        reply = ask_runner({"cmd": "devices"}, "devices", python=args.python)
    except (RuntimeError, RunnerStartError) as exc:
        print(f"jitlab devices: {clean(exc)}", file=sys.stderr)
        return 2
    rows = [("id", "kind", "memory", "capability", "name")]
    for d in reply["devices"]:
        mem = f"{d['memory_bytes'] / 2**30:.1f} GiB" if d.get("memory_bytes") else "-"
        rows.append((d["id"], d["kind"], mem, d.get("capability") or "-", d.get("name") or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print(clean("  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4]))
    env = reply.get("env", {})
    print(clean(f"\ntorch {env.get('torch')} (CUDA {env.get('cuda') or 'none'}), python {env.get('python')}"))
    return 0
