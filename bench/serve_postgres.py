"""Webhook server throughput on SQLite and on PostgreSQL (1 and 2 servers on one database):
signed posts on loopback against ``igbot serve`` (subprocesses) with the Graph API stand-in.

Reports acknowledged posts per second and the time to 200 (p50/p99), then waits until every
acknowledged event is processed and checks the log: one incoming line per acknowledged
message, one bot reply each. The baseline, measured in the same run with the same client, is
a bare ASGI app under uvicorn that answers 200 without checking or storing anything.

With ``--backend postgresql`` (or ``both``, the default) it also starts a PostgreSQL of its own
(fsync on) and measures one ``igbot serve`` and then two on the same database, the client's
connections spread over them as a load balancer would. "Processed" throughput is end to end:
acknowledged events over the time from the first post until every one is processed and answered.

``--server-cpu CORES`` adds a second pair of runs that models one machine per server: each
``igbot serve`` process (with its children) in a cgroup of its own (cgroup v1 ``cpu``
controller, as root) limited to CORES cores, while the load client, the Graph stand-in and
PostgreSQL run unconstrained. On a small shared machine one unconstrained server already takes
about all the CPU there is, so only the constrained runs can show what a second server adds;
they say nothing of a real second machine's network or PostgreSQL's own limits.

    python bench/serve_postgres.py [--posts 5000] [--seconds 30] [--connections 32] [--backend both]
        [--server-cpu 0.5 [--constrained-only]] [--rate 300 [--rate-posts 3000]]

The time to 200 of the throughput run is a closed loop's: ``--connections`` posts always wait,
so its p99 is set by how many connections wait on the server (Little's law: 32 connections at
640 posts/s average 50 ms). ``--rate`` adds, after each throughput run has drained, a run at a
steady, stated load (open loop, :func:`serve.paced`), the same load for one server and for two:
the latency a sender sees at that load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from igbot.server._pgcluster import TempPostgres
from igbot.server._postgres import upgrade

# the client, the bot, the stand-in and the baseline are the ones bench/serve.py measures with
sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import (
    BOT,
    ROOT,
    CpuMeter,
    blast,
    cpu_text,
    free_port,
    get_json,
    measure_baseline,
    paced,
    start_standin,
    wait_http,
)

CGROUP_CPU = Path("/sys/fs/cgroup/cpu")
CFS_PERIOD_US = 10_000  # a short period: a throttled server waits at most ~10 ms for its turn


def limit_cpu(pid: int, name: str, cores: float) -> Path:
    """Put process ``pid`` (and the children it starts later) in a new cgroup v1 ``cpu`` group
    limited to ``cores`` cores; the group's folder (remove it with :func:`remove_group`).

    Raises:
        SystemExit: no writable cgroup v1 cpu controller (needs root and /sys/fs/cgroup/cpu).
    """
    group = CGROUP_CPU / f"igbot-bench-{os.getpid()}-{name}"
    try:
        group.mkdir(exist_ok=True)
        (group / "cpu.cfs_period_us").write_text(str(CFS_PERIOD_US))
        (group / "cpu.cfs_quota_us").write_text(str(int(cores * CFS_PERIOD_US)))
        (group / "cgroup.procs").write_text(str(pid))
    except OSError as exc:
        raise SystemExit(f"--server-cpu needs a writable cgroup v1 cpu controller at "
                         f"{CGROUP_CPU} (run as root): {exc}") from None
    return group


def remove_group(group: Path) -> None:
    """Remove a cgroup made by :func:`limit_cpu` (its processes have ended)."""
    for _ in range(50):
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)


def start_server(bot_file: Path, data: Path, env: dict[str, str], workers: int,
                 database: str | None = None) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    argv = [sys.executable, "-m", "igbot.server", "serve", str(bot_file), "--port", str(port),
            "--data-dir", str(data), "--workers", str(workers), "--send-rate", "0"]
    if database:
        argv += ["--database", database]
    server = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE)
    wait_http(f"http://127.0.0.1:{port}/healthz", server)
    return server, port


def run_case(tmp: Path, name: str, env: dict[str, str], args: argparse.Namespace,
             servers: int = 1, database: str | None = None,
             watch: dict[str, int] | None = None, cores: float = 0.0) -> dict[str, Any]:
    """Start ``servers`` igbot serve processes (one data dir, or one database; each limited
    to ``cores`` cores if given), blast, drain, check the log: every acknowledged message
    logged once and answered."""
    bot_file = tmp / "bot.yml"
    bot_file.write_text(BOT)
    data = tmp / name
    procs = [start_server(bot_file, data / str(i), env, args.workers, database)
             for i in range(servers)]
    groups = [limit_cpu(proc.pid, f"{name}-{i}", cores)
              for i, (proc, _port) in enumerate(procs)] if cores else []
    try:
        trees = {f"server {i + 1}": proc.pid for i, (proc, _port) in enumerate(procs)}
        trees.update(watch or {})
        meter = CpuMeter({}, trees)
        result: dict[str, Any] = blast([port for _p, port in procs], args.posts, args.seconds,
                                       args.connections)
        posted = meter.mark()
        result["cpu"] = cpu_text(posted, result["seconds"])
        posting_cpu = sum(v for k, v in posted.items() if not k.startswith("machine"))
        url = f"http://127.0.0.1:{procs[0][1]}/healthz"

        def drain(acked: float) -> float:
            """Seconds until every acknowledged event is processed and answered."""
            started = time.monotonic()
            while time.monotonic() - started < 300:
                if database:
                    if outstanding(database) == 0:
                        break
                else:
                    health = get_json(url)
                    if health["processed"] >= acked and health["log_lines"] >= 2 * acked:
                        break
                time.sleep(0.2)
            return time.monotonic() - started

        result["drain"] = drain(result["acked"])
        result["processed_per_second"] = result["acked"] / (result["seconds"] + result["drain"])
        drained = meter.mark()
        result["server_cpu"] = sum(posted.get(k, 0.0) + drained.get(k, 0.0)
                                   for k in trees if k.startswith("server"))
        result["cpu_drain"] = cpu_text(drained, result["drain"])
        busy = sum(v for k, v in drained.items() if not k.startswith("machine"))
        result["cpu_total"] = busy + posting_cpu
        healths = [get_json(f"http://127.0.0.1:{port}/healthz") for _proc, port in procs]
        result["group"] = (sum(h.get("stored", 0) for h in healths)
                           / max(1, sum(h.get("inbox_commits", 0) for h in healths)))
        if args.rate:  # the time to 200 at a stated load, open loop, after the drain
            steady = paced([port for _p, port in procs], args.posts, args.rate_posts, args.rate,
                           max(args.connections, 64))
            drain(result["acked"] + steady["acked"])
            result["paced"] = steady
    finally:
        for proc, _port in procs:
            proc.terminate()
        for proc, _port in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for group in groups:
            remove_group(group)
    if database:
        watcher = _WATCHERS.pop(database, None)
        if watcher is not None:
            watcher.close()
        lines = [json.loads(x) for x in log_lines(database)]
    else:
        lines = [json.loads(x) for x in (data / "0" / "log.jsonl").read_text().splitlines()]
    incoming = {r["mid"] for r in lines if r["direction"] == "in"}
    result["replies"] = sum(1 for r in lines if r["role"] == "bot" and r["kind"] == "text")
    acked = result["acked"] + result.get("paced", {}).get("acked", 0)
    result["lost"] = acked - len(incoming)
    return result


_WATCHERS: dict[str, psycopg.Connection[Any]] = {}


def outstanding(url: str) -> int:
    """Bodies, events and requests not yet done (one kept connection: a new one per poll
    would fork a PostgreSQL backend five times a second while the servers drain)."""
    conn = _WATCHERS.get(url)
    if conn is None:
        conn = _WATCHERS[url] = psycopg.connect(url, autocommit=True)
    row = conn.execute("SELECT (SELECT count(*) FROM igbot_inbox WHERE NOT routed) + "
                       "(SELECT count(*) FROM igbot_pending) + (SELECT count(*) FROM "
                       "igbot_outbox WHERE state IN ('pending', 'sending'))").fetchone()
    return int(row[0]) if row else 0


def log_lines(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT line FROM igbot_log ORDER BY seq")]


def report(name: str, result: dict[str, Any], baseline: dict[str, float]) -> str:
    return (f"{name}: {result['acked']:.0f}/{result['sent']:.0f} acknowledged in "
            f"{result['seconds']:.2f} s = {result['per_second']:.0f} posts/s "
            f"({result['per_second'] / baseline['per_second']:.2f} x baseline), time to 200 "
            f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; processed "
            f"{result['drain']:.1f} s after the last ack (processed end to end "
            f"{result['processed_per_second']:.0f} events/s), {result['replies']} replies, "
            f"lost {result['lost']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both",
                        help="postgresql: 1 and 2 servers on one PostgreSQL started for the run")
    parser.add_argument("--server-cpu", type=float, default=0.0, metavar="CORES",
                        help="also run the PostgreSQL cases with each server limited to CORES "
                             "cores (cgroup v1, root): one machine per server, modelled")
    parser.add_argument("--constrained-only", action="store_true",
                        help="with --server-cpu: only the constrained PostgreSQL runs")
    parser.add_argument("--rate", type=float, default=0.0, metavar="POSTS_PER_SECOND",
                        help="after each throughput run, post --rate-posts more at this steady "
                             "rate (open loop) and report the time to 200 at that load")
    parser.add_argument("--rate-posts", type=int, default=3000)
    parser.add_argument("--standin", choices=("light", "full"), default="light",
                        help="the Graph stand-in: light (bench/light_standin.py) or full")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs: list[subprocess.Popen[bytes]] = []
    results: dict[str, dict[str, Any]] = {}
    pg = None
    try:
        baseline = measure_baseline(env, procs, args.posts, args.seconds, args.connections)
        _, server_env = start_standin(env, procs, light=args.standin == "light")
        watch = {"stand-in": procs[-1].pid}
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder)
            if args.backend in ("sqlite", "both"):
                results["sqlite, 1 process"] = run_case(tmp, "sqlite", server_env, args,
                                                        watch=watch)
            if args.backend in ("postgresql", "both"):
                pg = TempPostgres().start()  # fsync on: every acknowledged body is durable
                assert pg.folder is not None
                postmaster = int((pg.folder / "data" / "postmaster.pid").read_text().split()[0])
                limits = (0.0, args.server_cpu) if args.server_cpu else (0.0,)
                if args.server_cpu and args.constrained_only:
                    limits = (args.server_cpu,)
                for cores in limits:
                    limit = f", {cores:g} core each" if cores else ""
                    for servers in (1, 2):
                        tag = f"{servers}{'c' if cores else ''}"
                        url = pg.createdb(f"bench{tag}")
                        upgrade(url)
                        results[f"postgresql, {servers} server{'s' * (servers > 1)}{limit}"] = (
                            run_case(tmp, f"pg{tag}", server_env, args, servers=servers,
                                     database=url, watch={**watch, "postgresql": postmaster},
                                     cores=cores))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if pg is not None:
            pg.stop()
    print(f"baseline (bare ASGI app, same client): {baseline['per_second']:.0f} posts/s, "
          f"p50 {baseline['p50_ms']:.1f} ms, p99 {baseline['p99_ms']:.1f} ms")
    ok = True
    for name, result in results.items():
        print(report(name, result, baseline))
        print(f"  CPU while posting: {result['cpu']}")
        print(f"  CPU while draining ({result['drain']:.1f} s): {result['cpu_drain']}")
        print(f"  CPU of our processes, posting and draining: {result['cpu_total']:.1f} s = "
              f"{1000 * result['cpu_total'] / max(1, result['acked']):.2f} ms an event "
              f"(the servers {1000 * result['server_cpu'] / max(1, result['acked']):.2f} ms)")
        if "paced" in result:
            steady = result["paced"]
            print(f"  at a steady {steady['rate']:.0f} posts/s (open loop, "
                  f"{steady['acked']}/{steady['sent']} acknowledged over {steady['seconds']:.1f} s):"
                  f" time to 200 p50 {steady['p50_ms']:.1f} ms, p99 {steady['p99_ms']:.1f} ms, "
                  f"max {steady['max_ms']:.1f} ms")
        if "group" in result:
            print(f"  inbox group commit: {result['group']:.1f} bodies per commit")
        ok = ok and result["lost"] == 0 and result["replies"] >= result["acked"]
    for limit in ("", f", {args.server_cpu:g} core each") if args.server_cpu else ("",):
        one = results.get(f"postgresql, 1 server{limit}")
        two = results.get(f"postgresql, 2 servers{limit}")
        if one and two:
            print(f"postgresql scaling{limit or ', unconstrained'}: 2 servers / 1 server = "
                  f"{two['per_second'] / one['per_second']:.2f} x acknowledged, "
                  f"{two['processed_per_second'] / one['processed_per_second']:.2f} x processed "
                  f"end to end; p99 {one['p99_ms']:.0f} -> {two['p99_ms']:.0f} ms"
                  + (f"; at a steady {args.rate:g}/s p99 {one['paced']['p99_ms']:.0f} -> "
                     f"{two['paced']['p99_ms']:.0f} ms" if args.rate else ""))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
