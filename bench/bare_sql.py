"""The same paid-order work as bare SQL, for the ratio issue 20 asks for.

Per order, two commits, as the flow does them: reserve stock and insert the
order, its item and its first event; then mark it paid and insert the paid
event. Tables are reduced to the columns that work touches (their widths
close to the real rows'), so the figure is what the database itself can
do, not what Tongcheng's schema or code costs.

- PostgreSQL: `pgbench` with that script, prepared statements, on the
  cluster the HTTP run used, at the same connection counts.
- SQLite: one connection, WAL and `synchronous=NORMAL` (Tongcheng's
  settings), in a fresh file, the statements run by SQLite's own loop.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time

import latency  # PostgreSQL's programs, found as the other benches find them

SCHEMA = [
    """CREATE TABLE bare_skus (id BIGINT PRIMARY KEY, stock BIGINT NOT NULL, price_fen BIGINT NOT NULL)""",
    """CREATE TABLE bare_orders (id {serial} PRIMARY KEY, order_no TEXT NOT NULL, user_id BIGINT NOT NULL,
        store_id BIGINT NOT NULL, payable_fen BIGINT NOT NULL, status TEXT NOT NULL,
        created_at TIMESTAMP NOT NULL, paid_at TIMESTAMP)""",
    """CREATE TABLE bare_order_items (id {serial} PRIMARY KEY, order_id BIGINT NOT NULL, sku_id BIGINT NOT NULL,
        qty INT NOT NULL, price_fen BIGINT NOT NULL, name TEXT NOT NULL)""",
    """CREATE INDEX bare_order_items_order ON bare_order_items (order_id)""",
    """CREATE TABLE bare_order_events (id {serial} PRIMARY KEY, order_id BIGINT NOT NULL, from_status TEXT,
        to_status TEXT NOT NULL, actor_kind TEXT NOT NULL, created_at TIMESTAMP NOT NULL)""",
    """CREATE INDEX bare_order_events_order ON bare_order_events (order_id)""",
]

SKUS = 100

PGBENCH_SCRIPT = """\\set sku random(1, 100)
\\set uid random(1, 1000)
BEGIN;
UPDATE bare_skus SET stock = stock - 2 WHERE id = :sku AND stock >= 2;
INSERT INTO bare_orders (order_no, user_id, store_id, payable_fen, status, created_at) VALUES ('TC' || :uid || '-' || :client_id, :uid, 1, 3000, 'pending_payment', now()) RETURNING id AS oid \\gset
INSERT INTO bare_order_items (order_id, sku_id, qty, price_fen, name) VALUES (:oid, :sku, 2, 1200, '黑猪肉包子（鲜肉包 ×6）');
INSERT INTO bare_order_events (order_id, from_status, to_status, actor_kind, created_at) VALUES (:oid, NULL, 'pending_payment', 'resident', now());
COMMIT;
BEGIN;
UPDATE bare_orders SET status = 'paid', paid_at = now() WHERE id = :oid AND status = 'pending_payment';
INSERT INTO bare_order_events (order_id, from_status, to_status, actor_kind, created_at) VALUES (:oid, 'pending_payment', 'paid', 'payment', now());
COMMIT;
"""


def postgres(url, seconds, clients):
    """Orders/s of the bare script through pgbench at each client count."""
    pgbench = latency.pg_program("pgbench")
    psql = latency.pg_program("psql")
    if not pgbench or not psql:
        return None
    ddl = ";\n".join(s.format(serial="BIGSERIAL") for s in SCHEMA)
    setup = (f"DROP TABLE IF EXISTS bare_skus, bare_orders, bare_order_items, bare_order_events;\n{ddl};\n"
             f"INSERT INTO bare_skus SELECT g, 1000000000, 1200 FROM generate_series(1, {SKUS}) g;")
    subprocess.run([psql, url, "-q", "-v", "ON_ERROR_STOP=1", "-c", setup], check=True, capture_output=True)
    tmp = tempfile.mkdtemp(prefix="tongcheng-bare-")
    script = os.path.join(tmp, "order.sql")
    with open(script, "w") as f:
        f.write(PGBENCH_SCRIPT)
    out = {}
    try:
        for c in clients:
            r = subprocess.run([pgbench, "-n", "-M", "prepared", "-c", str(c), "-j", str(min(c, 2)),
                                "-T", str(int(seconds)), "-f", script, url],
                               check=True, capture_output=True, text=True)
            m = re.search(r"tps = ([\d.]+) \(without initial connection time\)", r.stdout)
            out[c] = round(float(m.group(1)), 1) if m else None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _sqlite_orders(first, count):
    """The SQL text of `count` paid orders, ids from `first` (explicit, so
    that no statement needs a value back)."""
    out = []
    for n in range(first, first + count):
        sku = 1 + n % SKUS
        uid = 1 + n % 1000
        out.append(
            "BEGIN IMMEDIATE;"
            f"UPDATE bare_skus SET stock = stock - 2 WHERE id = {sku} AND stock >= 2;"
            "INSERT INTO bare_orders (id, order_no, user_id, store_id, payable_fen, status, created_at) "
            f"VALUES ({n}, 'TC{n}', {uid}, 1, 3000, 'pending_payment', datetime('now'));"
            "INSERT INTO bare_order_items (order_id, sku_id, qty, price_fen, name) "
            f"VALUES ({n}, {sku}, 2, 1200, '黑猪肉包子（鲜肉包 ×6）');"
            "INSERT INTO bare_order_events (order_id, from_status, to_status, actor_kind, created_at) "
            f"VALUES ({n}, NULL, 'pending_payment', 'resident', datetime('now'));"
            "COMMIT;"
            "BEGIN IMMEDIATE;"
            f"UPDATE bare_orders SET status = 'paid', paid_at = datetime('now') WHERE id = {n} AND status = 'pending_payment';"
            "INSERT INTO bare_order_events (order_id, from_status, to_status, actor_kind, created_at) "
            f"VALUES ({n}, 'pending_payment', 'paid', 'payment', datetime('now'));"
            "COMMIT;"
        )
    return "".join(out)


def sqlite(seconds):
    """Orders/s of the bare work on one SQLite connection: the script runs
    inside SQLite's C loop (`executescript`), so Python adds nothing per
    statement; each statement is parsed anew, which only understates it."""
    tmp = tempfile.mkdtemp(prefix="tongcheng-bare-")
    try:
        db = sqlite3.connect(os.path.join(tmp, "bare.db"), isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        for s in SCHEMA:
            db.execute(s.format(serial="INTEGER"))
        db.executemany("INSERT INTO bare_skus VALUES (?, 1000000000, 1200)", [(i,) for i in range(1, SKUS + 1)])
        n, spent, batch = 1, 0.0, 2000
        while spent < seconds:
            script = _sqlite_orders(n, batch)
            t = time.perf_counter()
            db.executescript(script)
            spent += time.perf_counter() - t
            n += batch
        db.close()
        return round((n - 1) / spent, 1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    print("sqlite, one thread:", sqlite(3), "orders/s")
