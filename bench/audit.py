"""Audit log benchmark: append rate (durable) next to raw sqlite-utils inserts, and verify time.

    python bench/audit.py [--events 1000000] [--appends 1000] [--repeat 3] [--dir DIR]

Prints figures; asserts nothing. Goals: ``AuditLog.record`` >= 0.5x raw ``table.insert`` with the
same PRAGMAs (runs paired and interleaved: each pair is one run of both, back to back, and the ratio
is taken within the pair; min / median / max over the pairs show the spread); verify 1,000,000
events < 10 s. Appends are measured with both ``synchronous=FULL`` (shipped) and ``NORMAL``; run it
on the disk the bot will use (``--dir``), since fsync cost is the disk's. sqlite-utils is reached
through ``audit.db.Database.db`` (only audit/ imports it).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit.db import Database
from audit.log import COLUMNS, AuditLog, canonical, prepare, row_hash
from audit.models import GENESIS_HASH

FIELDS = {"actor": "U0ALICE", "channel": "C0OPS", "change_id": "7", "tool": "deploy",
          "deployment": "phi-4", "clusters": ["eu-prod-1", "eu-prod-2"],
          "args": {"model": "microsoft/phi-4", "replicas": 2, "prefer": "cost"},
          "result": {"eu-prod-1": "applied", "eu-prod-2": "applied"}}


def bench_record(path: Path, sync: str, n: int) -> float:
    db = Database(path, synchronous=sync)
    log = AuditLog(db)
    log.record("request", message="warm-up", **FIELDS)
    t = time.perf_counter()
    for i in range(n):
        log.record("execution_step", message=f"applied step {i}", **FIELDS)
    elapsed = time.perf_counter() - t
    db.close()
    return n / elapsed


def bench_raw(path: Path, sync: str, n: int) -> float:
    """Equivalent rows (same columns and values, hashes precomputed) via sqlite-utils insert."""
    db = Database(path, synchronous=sync)
    table = db.db.table("audit_events")
    rows, prev = [], GENESIS_HASH
    for i in range(n + 1):
        row = prepare("execution_step", {**FIELDS, "message": f"applied step {i}"})
        row.update(id=i + 1, ts="2026-11-01T09:30:00.123Z", prev_hash=prev)
        prev = row["hash"] = row_hash(row)
        rows.append(row)
    table.insert(rows[0])
    t = time.perf_counter()
    for row in rows[1:]:
        table.insert(row)
    elapsed = time.perf_counter() - t
    db.close()
    return n / elapsed


def generate(path: Path, n: int) -> float:
    """n chained events in one transaction. The canonical JSON is built from a template cut out of
    the real ``canonical()`` output (only id, message and prev_hash vary), checked on every row of
    the first batch against ``canonical()`` itself."""
    db = Database(path, synchronous="OFF")  # test data: skip the fsyncs
    db.conn.execute("PRAGMA cache_size=-262144")
    base = {**prepare("execution_step", FIELDS), "ts": "2026-11-01T09:30:00.123Z"}
    marked = canonical({**base, "id": -424242, "message": "@MSG@", "prev_hash": "@PREV@"}).decode()
    head, rest = marked.split("-424242")
    mid, rest = rest.split('"@MSG@"')
    mid2, tail = rest.split('"@PREV@"')
    sql = f"INSERT INTO audit_events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    order = [c for c in COLUMNS if c not in ("id", "message", "prev_hash", "hash")]
    fixed = {c: base.get(c) for c in order}
    t = time.perf_counter()
    prev, batch = GENESIS_HASH, []
    with db.write() as conn:
        for i in range(1, n + 1):
            message = f"step {i}"
            text = f'{head}{i}{mid}"{message}"{mid2}"{prev}"{tail}'
            if i <= 1000 and text.encode() != canonical(
                    {**base, "id": i, "message": message, "prev_hash": prev}):
                raise SystemExit("template does not match canonical(): fix the bench")
            digest = hashlib.sha256(text.encode()).hexdigest()
            batch.append((i, fixed["ts"], fixed["event"], fixed["actor"], fixed["channel"],
                          fixed["change_id"], fixed["tool"], fixed["deployment"], fixed["clusters"],
                          fixed["args"], fixed["result"], message, prev, digest))
            prev = digest
            if len(batch) == 50_000:
                conn.executemany(sql, batch)
                batch.clear()
        if batch:
            conn.executemany(sql, batch)
        conn.execute("UPDATE audit_anchor SET head_id = ?, head_hash = ?", (n, prev))
    db.close()
    return time.perf_counter() - t


def python_only_verify(path: Path) -> tuple[bool, int]:
    """The same checks with the canonical JSON built in Python (what the SQL fast path replaces)."""
    conn = sqlite3.connect(path)
    prev, expected = GENESIS_HASH, 1
    cur = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_events ORDER BY id")
    while chunk := cur.fetchmany(10_000):
        for values in chunk:
            row = dict(zip(COLUMNS, values, strict=True))
            if row["id"] != expected or row["prev_hash"] != prev or row_hash(row) != row["hash"]:
                return False, expected
            prev, expected = row["hash"], expected + 1
    conn.close()
    return True, expected - 1


def spread(xs: list[float], f: str) -> str:
    return " ".join(format(v, f) for v in (min(xs), statistics.median(xs), max(xs)))


def filesystem(path: Path) -> str:
    try:
        out = subprocess.run(["df", "-T", str(path)], capture_output=True, text=True, timeout=5)
        return out.stdout.splitlines()[-1].split()[1]
    except Exception:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000, help="events to verify")
    ap.add_argument("--appends", type=int, default=1000, help="single appends per run")
    ap.add_argument("--repeat", type=int, default=3, help="pairs of runs per measurement (at least 3)")
    ap.add_argument("--dir", type=Path, default=None, help="where to put the databases")
    ap.add_argument("--skip-python-verify", action="store_true")
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="fleetops-bench-", dir=args.dir))
    try:
        print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
              f"{os.cpu_count()} CPUs, {workdir} on {filesystem(workdir)}")
        print(f"\nappends: {args.appends} single events per run, one transaction each, WAL; {args.repeat} pairs, "
              "each pair one run of both back to back (the order alternating), ratio per pair")
        print(f"{'synchronous':<12} {'AuditLog.record/s (min med max)':>33} {'raw insert/s (min med max)':>30} "
              f"{'paired ratio (min med max)':>28}")
        for sync in ("FULL", "NORMAL"):
            rec, raw = [], []
            for r in range(max(args.repeat, 3)):
                order = (("rec", bench_record), ("raw", bench_raw)) if r % 2 == 0 else \
                    (("raw", bench_raw), ("rec", bench_record))
                got = {name: fn(workdir / f"{name}-{sync}-{r}.db", sync, args.appends) for name, fn in order}
                rec.append(got["rec"])
                raw.append(got["raw"])
            ratios = [a / b for a, b in zip(rec, raw, strict=True)]
            shipped = " (shipped)" if sync == "FULL" else ""
            print(f"{sync:<12} {spread(rec, ',.0f'):>33} {spread(raw, ',.0f'):>30} {spread(ratios, '.2f'):>28}{shipped}")

        path = workdir / "verify.db"
        print(f"\nverify, {args.events:,} events:")
        gen = generate(path, args.events)
        print(f"  generate (one transaction)        {gen:7.2f} s")
        db = Database(path)
        t = time.perf_counter()
        result = AuditLog(db).verify()
        took = time.perf_counter() - t
        db.close()
        print(f"  AuditLog.verify (SQL canonical)   {took:7.2f} s   ok={result.ok} "
              f"checked={result.checked:,}  ({took / max(result.checked, 1) * 1e6:.2f} us/event)")
        if not args.skip_python_verify:
            t = time.perf_counter()
            ok, n = python_only_verify(path)
            took = time.perf_counter() - t
            print(f"  Python-only canonical (reference) {took:7.2f} s   ok={ok} checked={n:,}")
        print(f"  database size                     {path.stat().st_size / 1e6:7.1f} MB")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
