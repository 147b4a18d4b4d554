#!/usr/bin/env python3
"""Order throughput: quote + create + demo pay (+ confirm) on the demo county.

Starts the release binary (`cargo build --release -p api` first) in demo
mode on SQLite and on a throwaway PostgreSQL cluster, signs in N demo
residents with city addresses, opens the bun kitchen around the clock, and
drives the full paid-order flow at increasing concurrency from a compiled
single-threaded generator (tests/examples/order_load.rs). Reports paid orders/s, p50/p99 of the whole flow and of each
step, and the server's RSS; then the same work as bare SQL on the same
database in the same sitting (bench/bare_sql.py: pgbench, or one SQLite
connection) and the flow's share of it; writes bench/results/orders.json.
PostgreSQL runs with fsync and synchronous commit on, as in production.

    python3 bench/orders.py [--seconds 10] [--levels 4,8,16] [--postgres auto|off|URL] [--sqlite on|off]
"""

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bare_sql  # noqa: E402  (the same work as bare SQL)
import latency  # noqa: E402  (shared helpers: ports, requests, PostgreSQL)

ROOT = latency.ROOT


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pct(xs, p):
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000, 2) if xs else None


def setup(port, residents):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    status, body = latency.request(c, "POST", "/api/v1/auth/wechat-login", {"code": "demo:huaqiao"})
    kitchen = json.loads(body)["access_token"]
    status, body = latency.request(c, "GET", "/api/v1/merchant/store", token=kitchen)
    store = json.loads(body)
    hours = [{"day": d, "open": "00:00", "close": "23:59"} for d in range(1, 8)]
    status, body = latency.request(c, "PATCH", "/api/v1/merchant/store", {"version": store["version"], "hours": hours}, token=kitchen)
    assert status == 200, body
    status, body = latency.request(c, "GET", "/api/v1/merchant/products", token=kitchen)
    sku = next(p for p in json.loads(body) if p["name"] == "黑猪肉包子")["skus"][0]["id"]  # unlimited stock
    people = []
    for i in range(residents):
        status, body = latency.request(c, "POST", "/api/v1/auth/wechat-login", {"code": f"demo:bench-{i}"})
        token = json.loads(body)["access_token"]
        status, body = latency.request(c, "POST", "/api/v1/addresses", {
            "contact_name": "测", "contact_phone": "13800000000", "detail": "东关社区 1 号",
            "location": {"lat": 33.3320, "lng": 105.6140}}, token=token)
        assert status == 201, body
        people.append((token, json.loads(body)["id"]))
    return store["id"], sku, people


GENERATOR = os.path.join(ROOT, "target", "release", "examples", "order_load")


def drive(port, store, sku, people, seconds, concurrency):
    """Runs the compiled generator (tests/examples/order_load.rs) on one
    thread; Python only prepares the residents and reads the figures."""
    run_id = f"{os.getpid()}-{concurrency}-{time.time_ns()}"
    setup = json.dumps({"port": port, "store": store, "sku": sku, "people": [list(p) for p in people]})
    proc = subprocess.Popen([GENERATOR, str(concurrency), str(seconds), run_id],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    proc.stdin.write(setup.encode())
    proc.stdin.close()
    raw = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"order_load failed with status {status}")
    r = json.loads(raw)
    elapsed = r["elapsed_s"]
    flows = [x / 1e6 for x in r["flows_us"]]
    steps = {k: [x / 1e6 for x in v] for k, v in r["steps_us"].items()}
    return {
        "concurrency": concurrency,
        "paid_orders": len(flows),
        "orders_per_s": round(len(flows) / elapsed, 1),
        "requests_per_s": round(4 * len(flows) / elapsed, 1),
        "errors": r["errors"],
        "error_samples": r["error_samples"],
        "generator_cpu_pct": round(100 * (usage.ru_utime + usage.ru_stime) / elapsed, 1),
        "flow_p50_ms": pct(flows, 50),
        "flow_p99_ms": pct(flows, 99),
        "step_p50_ms": {k: pct(v, 50) for k, v in steps.items()},
        "step_p99_ms": {k: pct(v, 99) for k, v in steps.items()},
    }


def run(label, db_url, args):
    cwd = tempfile.mkdtemp(prefix="tongcheng-bench-")
    port = latency.free_port()
    env = {"PATH": os.environ.get("PATH", ""), "RUST_LOG": "warn",
           "TONGCHENG__HTTP__BIND": f"127.0.0.1:{port}", "TONGCHENG__DATABASE__MAX_CONNECTIONS": "16",
           # the load comes from a few residents on one address: no rate limits
           "TONGCHENG__RATE_LIMITS__LOGIN_PER_MINUTE": "0", "TONGCHENG__RATE_LIMITS__ORDER_PER_MINUTE": "0"}
    if db_url:
        env["TONGCHENG__DATABASE__URL"] = db_url
    proc = subprocess.Popen([latency.BINARY, "serve", "--demo", "--demo-days", "0"], cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    try:
        latency.wait_ready(port, proc)
        store, sku, people = setup(port, 32)
        out = []
        for level in args.levels:
            r = drive(port, store, sku, people, args.seconds, level)
            r["server_rss_mib"] = round(rss_kib(proc.pid) / 1024, 1)
            out.append(r)
            print(f"{label:9} c={level:<3} {r['orders_per_s']:>7} paid orders/s ({r['requests_per_s']} req/s)  "
                  f"flow p50 {r['flow_p50_ms']} ms p99 {r['flow_p99_ms']} ms  create p99 {r['step_p99_ms']['create']} ms  "
                  f"RSS {r['server_rss_mib']} MiB  generator {r['generator_cpu_pct']}% CPU  errors {r['errors']} {r['error_samples']}")
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(cwd, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--levels", default="4,8,16")
    ap.add_argument("--postgres", default="auto")
    ap.add_argument("--sqlite", default="on", choices=["on", "off"])
    args = ap.parse_args()
    args.levels = [int(x) for x in args.levels.split(",")]
    if not (os.path.exists(latency.BINARY) and os.path.exists(GENERATOR)):
        raise SystemExit("build first: cargo build --release -p api --bin tongcheng && cargo build --release -p tests --example order_load")
    out = {"machine": f"{os.cpu_count()} cores", "seconds": args.seconds, "results": {}}
    if args.sqlite == "on":
        out["results"]["sqlite"] = run("sqlite", None, args)
        bare = bare_sql.sqlite(args.seconds)
        best = max(r["orders_per_s"] for r in out["results"]["sqlite"])
        out["bare_sql"] = {"sqlite_one_connection": bare}
        print(f"sqlite    bare SQL, one connection: {bare} orders/s; the flow's best is {round(100 * best / bare, 1)} % of it")
    if args.postgres != "off":
        tmp = tempfile.mkdtemp(prefix="tongcheng-bench-pg-")
        stop = None
        try:
            url, stop = latency.start_postgres(tmp, durable=True) if args.postgres == "auto" else (args.postgres, None)
            if url:
                out["results"]["postgres"] = run("postgres", url, args)
                bare = bare_sql.postgres(url, args.seconds, args.levels)
                out.setdefault("bare_sql", {})["postgres_pgbench"] = bare
                for r in out["results"]["postgres"]:
                    b = (bare or {}).get(r["concurrency"])
                    if b:
                        print(f"postgres  c={r['concurrency']:<3} bare SQL (pgbench) {b} orders/s; the flow {r['orders_per_s']} is "
                              f"{round(100 * r['orders_per_s'] / b, 1)} % of it")
        finally:
            if stop:
                subprocess.run(stop, capture_output=True)
            shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "orders.json"), "w") as f:
        json.dump(out, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
