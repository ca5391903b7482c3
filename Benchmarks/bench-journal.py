"""Benchmarks/bench-journal: the same load against the topology with its journals in SQLite files and on PostgreSQL.

Each backend gets a private topology (Scripts/private_topology.py); the load is Benchmarks/bench-gateway-load.py.
Prints each row as the load generator does, then emails/s of PostgreSQL against SQLite per batch size.
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Scripts"))
from private_topology import PrivateTopology, log  # noqa: E402
from postgres_server import PostgresServer  # noqa: E402


def load(topo, args, label):
    emails = os.path.join(topo.work, "emails.jsonl")
    topo.run("sample", "--emails", "--out", emails, "--count", "2000", "--seed", "7")
    port = topo.base.rsplit(":", 1)[1]
    out = subprocess.run([sys.executable, "Benchmarks/bench-gateway-load.py", "--port", port, "--emails", emails,
                          "--clients", str(args.clients), "--seconds", str(args.seconds), "--key", topo.key,
                          "--label", f"{label:10s} "], check=True, capture_output=True, text=True).stdout
    print(out, end="", flush=True)
    rows = {}
    for line in out.splitlines():
        m = re.search(r"batch=\s*(\d+).*emails/s=\s*([\d.]+)", line)
        if m:
            rows[int(m.group(1))] = float(m.group(2))  # the second batch=1 row (after the warm-up) wins
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    with open("/proc/loadavg") as f:
        log(f"load average before the run: {' '.join(f.read().split()[:3])}")
    log("journals, outbox and store in SQLite files")
    with PrivateTopology(args.bin_dir, name="bench-sqlite") as topo:
        sqlite = load(topo, args, "sqlite")
    log("journals, outbox and store on PostgreSQL")
    with PostgresServer() as pg:
        topo = PrivateTopology(args.bin_dir, name="bench-postgres")
        topo.database = pg.url
        topo.journals_in_database = True
        with topo:
            postgres = load(topo, args, "postgres")
    for batch in sorted(sqlite):
        if batch in postgres:
            print(f"batch={batch:3d}: PostgreSQL {postgres[batch]:.1f} emails/s, SQLite {sqlite[batch]:.1f} emails/s, "
                  f"ratio {postgres[batch] / sqlite[batch]:.2f}")


if __name__ == "__main__":
    main()
