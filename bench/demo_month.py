#!/usr/bin/env python3
"""How long `tongcheng seed-demo` takes to make up the demo county's past month.

Runs `seed-demo --demo-days 30` on a fresh SQLite file and on a fresh
database of a throwaway PostgreSQL 15 cluster, --runs times each, and
writes the figures (the generator's own "made in N ms", the process's wall
time, and what the month holds) to bench/results/demo_month.json.

    cargo build --release -p api
    python3 bench/demo_month.py --runs 3
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import latency  # noqa: E402  (shared helpers: the binary, PostgreSQL)

MADE = re.compile(r"the past (\d+) days: (\d+) orders .* made in (\d+) ms")


def seed_once(db_url, days, seed):
    cwd = tempfile.mkdtemp(prefix="tongcheng-bench-month-")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TONGCHENG__DATABASE__URL": db_url or f"sqlite://{cwd}/tongcheng.db?mode=rwc",
    }
    started = time.monotonic()
    out = subprocess.run(
        [latency.BINARY, "seed-demo", "--demo-days", str(days), "--demo-seed", str(seed)],
        cwd=cwd, env=env, capture_output=True, text=True, check=True,
    )
    wall = time.monotonic() - started
    shutil.rmtree(cwd, ignore_errors=True)
    line = next((l for l in out.stdout.splitlines() if "the past" in l), "")
    m = MADE.search(line)
    if not m:
        raise SystemExit(f"no month in the output:\n{out.stdout}")
    return {"month_ms": int(m.group(3)), "process_s": round(wall, 2), "orders": int(m.group(2)), "line": line.strip()}


def run(label, urls, days, seed):
    runs = [seed_once(u, days, seed) for u in urls]
    ms = [r["month_ms"] for r in runs]
    summary = {
        "runs": runs,
        "month_ms_median": statistics.median(ms),
        "month_ms_min": min(ms),
        "orders": runs[0]["orders"],
        "same_month_every_run": len({r["line"].split("; made in")[0] for r in runs}) == 1,
    }
    print(f"{label}: {summary['orders']} orders, median {summary['month_ms_median']} ms over {len(runs)} runs", file=sys.stderr)
    return summary


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--postgres", default="auto", help="auto (a throwaway cluster) or off")
    args = ap.parse_args()
    if not os.path.exists(latency.BINARY):
        raise SystemExit("build it first: cargo build --release -p api")
    out = {"machine": f"{os.cpu_count()} cores", "days": args.days, "seed": args.seed, "results": {}}
    out["results"]["sqlite"] = run("sqlite", [None] * args.runs, args.days, args.seed)
    if args.postgres != "off":
        tmp = tempfile.mkdtemp(prefix="tongcheng-bench-pg-")
        stop = None
        try:
            url, stop = latency.start_postgres(tmp)
            if url:
                base = url.rsplit("/", 1)[0]
                port = base.rsplit(":", 1)[1]
                urls = []
                for i in range(args.runs):
                    subprocess.run(["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-c", f"CREATE DATABASE month_{i}"], check=True, capture_output=True)
                    urls.append(f"{base}/month_{i}")
                out["results"]["postgres"] = run("postgres", urls, args.days, args.seed)
            else:
                print("postgres: initdb not found; skipped", file=sys.stderr)
        finally:
            if stop:
                subprocess.run(stop, capture_output=True)
            shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(latency.ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(latency.ROOT, "bench", "results", "demo_month.json"), "w") as f:
        json.dump(out, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
