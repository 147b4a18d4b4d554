#!/usr/bin/env python3
"""Latency of read endpoints on the demo county, on SQLite and PostgreSQL.

Starts the release binary (`cargo build --release -p api` first) in demo
mode on a fresh database, signs in a demo resident, and drives each
endpoint with keep-alive connections from worker threads for a fixed number
of requests. Prints p50/p90/p99 and throughput per endpoint and database,
and writes them to bench/results/latency.json.

    python3 bench/latency.py [--requests 4000] [--concurrency 8] [--postgres auto|off|URL]

PostgreSQL: `auto` starts a throwaway cluster from initdb/pg_ctl (as the
user `tongcheng-pg` when run as root, like the tests); a URL uses that
server (an empty database). Only loopback addresses are ever contacted.
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "tongcheng")
PG_USER = "tongcheng-pg"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(conn, method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, data


def wait_ready(port, proc, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("tongcheng exited early; see its output above")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            status, _ = request(c, "GET", "/readyz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit("tongcheng did not become ready")


def drive(port, path, token, total, concurrency):
    latencies = []
    lock = threading.Lock()
    counter = [0]
    errors = [0]

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while True:
            with lock:
                if counter[0] >= total:
                    break
                counter[0] += 1
            t0 = time.perf_counter()
            status, _ = request(conn, "GET", path, token=token)
            mine.append(time.perf_counter() - t0)
            if status != 200:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 2)

    return {
        "requests": len(latencies),
        "errors": errors[0],
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": round(latencies[-1] * 1000, 2),
    }


def pg_bindir():
    """Where PostgreSQL's programs are: beside `initdb` on PATH, else
    Debian's newest /usr/lib/postgresql/N/bin; None without them."""
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(initdb)
    cands = sorted(
        os.path.join("/usr/lib/postgresql", v, "bin")
        for v in os.listdir("/usr/lib/postgresql")
    ) if os.path.isdir("/usr/lib/postgresql") else []
    return cands[-1] if cands else None


def pg_program(name):
    """A PostgreSQL client program (`psql`, `pgbench`): on PATH, else in
    `pg_bindir()`; None without it."""
    found = shutil.which(name)
    if found:
        return found
    bindir = pg_bindir()
    path = os.path.join(bindir, name) if bindir else None
    return path if path and os.path.exists(path) else None


def start_postgres(tmp, durable=False):
    """A throwaway cluster in `tmp`; `durable` keeps fsync and synchronous
    commit on, as in production (else both are off, for speed)."""
    bindir = pg_bindir()
    if not bindir:
        return None, None
    root = os.geteuid() == 0
    prefix = []
    if root:
        if subprocess.run(["id", "-u", PG_USER], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER], check=True)
        prefix = ["runuser", "-u", PG_USER, "--"]
        shutil.chown(tmp, PG_USER)
    data = os.path.join(tmp, "data")
    subprocess.run(prefix + [os.path.join(bindir, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], check=True, capture_output=True)
    port = free_port()
    opts = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1"
    if not durable:
        opts += " -c fsync=off -c synchronous_commit=off"
    subprocess.run(prefix + [os.path.join(bindir, "pg_ctl"), "-D", data, "-l", os.path.join(tmp, "log"), "-o", opts, "-w", "start"], check=True, capture_output=True)
    stop = prefix + [os.path.join(bindir, "pg_ctl"), "-D", data, "stop", "-m", "fast"]
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c", "CREATE DATABASE bench"], check=True, capture_output=True)
    return f"postgres://postgres@127.0.0.1:{port}/bench", stop


def run_one(label, env_db, args):
    cwd = tempfile.mkdtemp(prefix="tongcheng-bench-")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "RUST_LOG": "warn",
        "TONGCHENG__HTTP__BIND": f"127.0.0.1:{port}",
        "TONGCHENG__DATABASE__MAX_CONNECTIONS": "16",
           # the load comes from a few residents on one address: no rate limits
           "TONGCHENG__RATE_LIMITS__LOGIN_PER_MINUTE": "0", "TONGCHENG__RATE_LIMITS__ORDER_PER_MINUTE": "0",
    }
    if env_db:
        env["TONGCHENG__DATABASE__URL"] = env_db
    proc = subprocess.Popen([BINARY, "serve", "--demo", "--demo-days", "0"], cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_ready(port, proc)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        status, body = request(c, "POST", "/api/v1/auth/wechat-login", {"code": "demo:bench"})
        assert status == 200, body
        token = json.loads(body)["access_token"]
        status, body = request(c, "POST", "/api/v1/addresses", {
            "contact_name": "测", "contact_phone": "13800000000", "detail": "东关社区 1 号",
            "location": {"lat": 33.3320, "lng": 105.6140}}, token=token)
        assert status == 201, body
        address = json.loads(body)["id"]
        q = urllib.parse.quote("包子")
        endpoints = {
            "GET /api/v1/stores/{id}/menu": "/api/v1/stores/1/menu",
            "GET /api/v1/stores?address_id=": f"/api/v1/stores?address_id={address}",
            "GET /api/v1/products/search?q=包子": f"/api/v1/products/search?q={q}",
        }
        results = {}
        for name, path in endpoints.items():
            drive(port, path, token, min(200, args.requests), args.concurrency)  # warm-up
            results[name] = drive(port, path, token, args.requests, args.concurrency)
            r = results[name]
            print(f"{label:10} {name:36} {r['rps']:>8} req/s  p50 {r['p50_ms']:>6} ms  p90 {r['p90_ms']:>6} ms  p99 {r['p99_ms']:>6} ms  errors {r['errors']}")
        return results
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(cwd, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--postgres", default="auto")
    args = ap.parse_args()
    if not os.path.exists(BINARY):
        raise SystemExit("build it first: cargo build --release -p api")
    out = {"machine": f"{os.cpu_count()} cores", "requests": args.requests, "concurrency": args.concurrency, "results": {}}
    out["results"]["sqlite"] = run_one("sqlite", None, args)
    if args.postgres != "off":
        tmp = tempfile.mkdtemp(prefix="tongcheng-bench-pg-")
        stop = None
        try:
            if args.postgres == "auto":
                url, stop = start_postgres(tmp)
            else:
                url = args.postgres
            if url:
                out["results"]["postgres"] = run_one("postgres", url, args)
            else:
                print("postgres: initdb not found; skipped", file=sys.stderr)
        finally:
            if stop:
                subprocess.run(stop, capture_output=True)
            shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "latency.json"), "w") as f:
        json.dump(out, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
