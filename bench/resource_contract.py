"""What each agent costs on big levels: peak memory and seconds per unit on open grids.

For each agent and each size (an open N x N grid: start top-left, goal bottom-right, no
walls), a fresh process builds the agent and runs one unit of its natural kind (a sweep for
dynamic programming, an episode for tabular agents, an update for deep ones), then reports
its peak resident memory and the seconds each part took. A run past ``--timeout`` seconds is
killed and shown as such; an agent whose stated limit the level passes is shown as refused
(its message is printed under the table). The README's resource table comes from this script.

    python bench/resource_contract.py                         # 16, 64, 256, 1024; every agent
    python bench/resource_contract.py --sizes 16 64 --agents q-learning ppo --timeout 30
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from gridrl.agents import REGISTRY

CHILD = """
import json, resource, sys, time
from gridrl.agents import REGISTRY, LevelTooLargeError, make_agent
from gridrl.levels import parse_level
name, n = sys.argv[1], int(sys.argv[2])
rows = ["S" + "." * (n - 1)] + ["." * n] * (n - 2) + ["." * (n - 1) + "G"]
level = parse_level("kind: gridworld\\nname: open\\nlayout: |\\n" + "".join(f"  {r}\\n" for r in rows))
family = REGISTRY[name].family
unit = {"dp": "update", "tabular": "episode", "prediction": "episode", "deep": "update"}[family]
start = time.perf_counter()
try:
    agent = make_agent(name, level, seed=0)
except LevelTooLargeError as refusal:
    print(json.dumps({"refused": str(refusal)}))
    sys.exit()
built = time.perf_counter()
event = agent.advance(unit)
done = time.perf_counter()
print(json.dumps({"build": built - start, "unit": unit, "seconds": done - built, "steps": event.steps,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(agent: str, size: int, timeout: float) -> dict:
    try:
        out = subprocess.run([sys.executable, "-c", CHILD, agent, str(size)], capture_output=True, text=True,
                             timeout=timeout, env={**os.environ, "PYTHONHASHSEED": "0"})  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"> {timeout:g} s"}
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["exit " + str(out.returncode)])[-1]
        return {"error": last[:60]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def cell(result: dict) -> str:
    if "error" in result:
        return result["error"]
    if "refused" in result:  # the agent's stated limit (Agent.resource_limit), said up front
        return "refused"
    return f"{result['seconds']:.2g} s, {result['rss_mb']:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[16, 64, 256, 1024])
    parser.add_argument("--agents", nargs="+", default=[a for a, i in REGISTRY.items() if "gridworld" in i.kinds])
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run before it is killed")
    args = parser.parse_args(argv)
    header = ["agent (unit)", *(f"{n}x{n}" for n in args.sizes)]
    rows, refusals = [], []
    for agent in args.agents:
        results = [measure(agent, n, args.timeout) for n in args.sizes]
        refusals += [(agent, n, r["refused"]) for n, r in zip(args.sizes, results) if "refused" in r]
        unit = next((r["unit"] for r in results if "unit" in r), "")
        rows.append([f"{agent} ({unit})", *map(cell, results)])
        print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(f"\none unit after building the agent: seconds, peak RSS of the process ({os.cpu_count()} cores)\n")
    for i, row in enumerate([header, *rows]):
        print("| " + " | ".join(t.ljust(w) for t, w in zip(row, widths)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for agent, n, refusal in refusals:
        print(f"\nrefused, {agent} on {n}x{n}: {refusal}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
