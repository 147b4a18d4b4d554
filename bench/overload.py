#!/usr/bin/env python3
"""Overload: what the server answers at twice the load it can carry.

Starts the release binary (`cargo build --release -p api -p tests --example
overload` first) in demo mode on SQLite and on a throwaway PostgreSQL
cluster, with the default pool (16 connections). First it finds what the
server carries: `POST /orders` from 16 keep-alive connections as fast as it
answers (closed loop). Then it sends orders at twice that rate whatever the
server does (open loop) under three settings:
- `default`: admission control (64 requests in flight, 500 ms in the queue)
  and a 1,000 ms wait for a pooled connection;
- `pool_only`: no admission control, the 1,000 ms pool wait alone;
- `before`: no admission control and a 10 s pool wait (the former setting);
and reports the answers by status, the latencies of placed orders and of
503s, and whether every 503 carried `Retry-After`. Writes
bench/results/overload.json.

    python3 bench/overload.py [--seconds 10] [--postgres auto|off|URL] [--sqlite on|off]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import latency  # noqa: E402  (ports, requests, PostgreSQL)
import orders  # noqa: E402  (the demo residents and the kitchen's SKU)

ROOT = latency.ROOT
GENERATOR = os.path.join(ROOT, "target", "release", "examples", "overload")


def generate(port, store, sku, people, mode, amount, seconds):
    setup = json.dumps({"port": port, "store": store, "sku": sku, "people": [list(p) for p in people]})
    out = subprocess.run([GENERATOR, mode, str(amount), str(seconds)], input=setup.encode(),
                         capture_output=True, check=True)
    return json.loads(out.stdout)


SETTINGS = {
    "default": {},
    "pool_only": {"TONGCHENG__HTTP__MAX_IN_FLIGHT": "100000"},
    "before": {"TONGCHENG__HTTP__MAX_IN_FLIGHT": "100000", "TONGCHENG__DATABASE__ACQUIRE_TIMEOUT_MS": "10000"},
}


def run(label, db_url, setting, args, rate=None):
    cwd = tempfile.mkdtemp(prefix="tongcheng-overload-")
    port = latency.free_port()
    env = {"PATH": os.environ.get("PATH", ""), "RUST_LOG": "error",
           "TONGCHENG__HTTP__BIND": f"127.0.0.1:{port}",
           "TONGCHENG__DATABASE__MAX_CONNECTIONS": "16",
           # the load comes from a few residents on one address: no rate limits
           "TONGCHENG__RATE_LIMITS__LOGIN_PER_MINUTE": "0", "TONGCHENG__RATE_LIMITS__ORDER_PER_MINUTE": "0", **SETTINGS[setting]}
    if db_url:
        env["TONGCHENG__DATABASE__URL"] = db_url
    proc = subprocess.Popen([latency.BINARY, "serve", "--demo", "--demo-days", "0"], cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    try:
        latency.wait_ready(port, proc)
        store, sku, people = orders.setup(port, 32)
        result = {"setting": setting, "env": SETTINGS[setting]}
        if rate is None:
            carried = generate(port, store, sku, people, "closed", 16, args.seconds)
            result["carried"] = carried
            rate = max(1, round(2 * carried["placed_per_s"]))
            print(f"{label:9} carries {carried['placed_per_s']:.0f} orders/s "
                  f"(p99 {carried['placed_p99_ms']} ms) from 16 connections; driving {rate}/s")
        over = generate(port, store, sku, people, "open", rate, args.seconds)
        result["twice"] = over
        print(f"{label:9} {setting:9} at {rate}/s: {over['by_status']}  "
              f"placed {over['placed_per_s']:.0f}/s p99 {over['placed_p99_ms']} ms max {over['placed_max_ms']} ms  "
              f"503 p99 {over['busy_p99_ms']} ms, {over['busy_with_retry_after']} with Retry-After")
        return result, rate
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        shutil.rmtree(cwd, ignore_errors=True)


def both(label, db_url, args):
    out = {}
    out["default"], rate = run(label, db_url, "default", args)
    for setting in ("pool_only", "before"):
        out[setting], _ = run(label, db_url, setting, args, rate)
    out["rate_per_s"] = rate
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--postgres", default="auto")
    ap.add_argument("--sqlite", default="on", choices=["on", "off"])
    args = ap.parse_args()
    if not (os.path.exists(latency.BINARY) and os.path.exists(GENERATOR)):
        raise SystemExit("build first: cargo build --release -p api --bin tongcheng && cargo build --release -p tests --example overload")
    out = {"machine": f"{os.cpu_count()} cores", "seconds": args.seconds, "results": {}}
    if args.sqlite == "on":
        out["results"]["sqlite"] = both("sqlite", None, args)
    if args.postgres != "off":
        tmp = tempfile.mkdtemp(prefix="tongcheng-overload-pg-")
        stop = None
        try:
            url, stop = latency.start_postgres(tmp) if args.postgres == "auto" else (args.postgres, None)
            if url:
                out["results"]["postgres"] = both("postgres", url, args)
        finally:
            if stop:
                subprocess.run(stop, capture_output=True)
            shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "overload.json"), "w") as f:
        json.dump(out, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
