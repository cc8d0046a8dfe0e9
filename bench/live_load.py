"""A re-shard under pgbench's TPC-B: what the application sees while `migrate apply` runs.

On a throwaway cluster, `pgbench -i -s SCALE --partitions 4 --partition-method hash --foreign-keys`
builds the database; it is adopted through the command line (inspect, render, `migrate new initial`,
baseline); then `pgbench_accounts` is re-sharded 4 → 8 and back 8 → 4, each with `migrate new` and
`migrate apply` while `pgbench -c CLIENTS -T SECONDS` runs, logging every transaction. A run of the
same load with no migration comes first, for comparison. For each run it prints the transactions
processed and failed, the latency of the slowest transaction (the longest the application waited),
its 99th percentile, how long `migrate apply` took and how many of its steps it ran again. It fails
unless apply exits 0 and pgbench reports no failed transaction.

    python bench/live_load.py
    python bench/live_load.py --scale 10 --seconds 30 --json
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from schemagen.database.cluster import ThrowawayCluster, find_server_bin


def schemagen(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "schemagen", *args], cwd=workdir, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"schemagen {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def pgbench(dsn: str, *args: str) -> list[str]:
    """The pgbench command line for `args` against `dsn` (the database name comes last)."""
    server = find_server_bin()
    if server is None:
        raise SystemExit("no PostgreSQL server programs found")
    info = dict(part.split("=", 1) for part in dsn.split())
    connection = ["-h", info["host"], "-p", info["port"], "-U", info["user"]]
    return [str(server / "pgbench"), *connection, *args, info["dbname"]]


def under_load(dsn: str, workdir: Path, clients: int, seconds: int, *command: str) -> dict[str, object]:
    """Run pgbench for `seconds`, and `schemagen COMMAND` once it is going; their figures."""
    logs = workdir / f"log{time.monotonic_ns()}"
    logs.mkdir()
    load = subprocess.Popen(
        pgbench(dsn, "-n", "-c", str(clients), "-T", str(seconds), "-l", f"--log-prefix={logs}/tx"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(1)
    apply_seconds, retries = None, 0
    if command:
        started = time.perf_counter()
        retries = schemagen(workdir, *command).stderr.count("; retry ")
        apply_seconds = time.perf_counter() - started
    report, _ = load.communicate()
    if load.poll() is None or (apply_seconds is not None and apply_seconds > seconds - 1):
        raise SystemExit("the migration outlasted the load: raise --seconds")
    latencies = sorted(
        int(line.split()[2]) for log in logs.iterdir() for line in log.read_text().splitlines()
    )
    processed = int(re.search(r"number of transactions actually processed: (\d+)", report).group(1))
    failed = int(re.search(r"number of failed transactions: (\d+)", report).group(1))
    if failed:
        raise SystemExit(f"pgbench saw {failed} failed transactions:\n{report}")
    return {
        "transactions": processed,
        "failed": failed,
        "slowest_ms": round(latencies[-1] / 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] / 1000, 1),
        "apply_s": None if apply_seconds is None else round(apply_seconds, 2),
        "retries": retries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as temp, ThrowawayCluster() as cluster:
        workdir = Path(temp)
        dsn = cluster.create_database("bench_live_load")
        subprocess.run(
            pgbench(
                dsn,
                "-i",
                "-q",
                "-s",
                str(args.scale),
                "--partitions=4",
                "--partition-method=hash",
                "--foreign-keys",
            ),
            check=True,
            capture_output=True,
        )
        for step in (("inspect", "--dsn", dsn, "-o", "spec"), ("render", "spec")):
            schemagen(workdir, *step)
        schemagen(workdir, "migrate", "new", "initial", "spec")
        schemagen(workdir, "migrate", "baseline", "--dsn", dsn)
        results["no migration"] = under_load(dsn, workdir, args.clients, args.seconds)
        for modulus in (8, 4):
            path = workdir / "spec" / "entities.yaml"
            document = yaml.safe_load(path.read_text())
            document["entities"]["pgbench_accounts"]["partition"]["hash"]["modulus"] = modulus
            path.write_text(yaml.safe_dump(document, sort_keys=False))
            schemagen(workdir, "render", "spec")
            schemagen(workdir, "migrate", "new", f"accounts_{modulus}", "spec")
            results[f"re-shard to {modulus}"] = under_load(
                dsn, workdir, args.clients, args.seconds, "migrate", "apply", "--dsn", dsn
            )
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"pgbench TPC-B, scale {args.scale}, {args.clients} clients, {args.seconds} s per run")
    print(
        f"{'run':<16}{'transactions':>14}{'failed':>8}{'slowest ms':>12}{'p99 ms':>9}{'apply s':>9}"
        f"{'retries':>9}"
    )
    for name, figures in results.items():
        apply_s = "-" if figures["apply_s"] is None else f"{figures['apply_s']:.2f}"
        print(
            f"{name:<16}{figures['transactions']:>14}{figures['failed']:>8}{figures['slowest_ms']:>12}"
            f"{figures['p99_ms']:>9}{apply_s:>9}{figures['retries']:>9}"
        )


if __name__ == "__main__":
    main()
