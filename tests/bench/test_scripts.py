"""Every benchmark in ``bench/`` still runs: each script, as ``make bench`` starts it, on a
workload small enough for the suite, exits 0 and prints the figure it exists to report. A
benchmark that broke when a name it times moved would otherwise go unnoticed until someone
needs its figures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# script, its smallest honest arguments, what its output must hold
RUNS = [
    ("engine", ["--events", "200", "--people", "20", "--rounds", "1"], "100 flows / cost at 2"),
    # engine_stages with the memory store: tests/bench/test_engine.py
    ("engine_stages", ["--events", "200", "--rounds", "1", "--store", "sqlite"], "json.loads"),
    ("store", ["--events", "300", "--people", "30", "--rounds", "1"], "an event more than MemoryStore"),
    ("channel", ["--calls", "50", "--repeat", "1"], "GraphClient.send_message"),
    ("methods", ["--calls", "20"], "containing hostile methods"),
    ("graph", ["--sizes", "20", "40", "--rows", "2000"], "igbot/nx"),
    ("intake_cpu", ["--posts", "300", "--repeats", "1"], "intake CPU per post"),
    ("replay", ["--messages", "600"], "sessions/s"),
    ("serve", ["--posts", "300", "--seconds", "20"], "lost 0"),
    ("analytics", ["--sizes", "20000", "--frames", "sim,short", "--jsonl-max", "20000"],
     "20,000 short"),
]


def _run(script: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(ROOT / "bench" / f"{script}.py"), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize(("script", "args", "shows"), RUNS,
                         ids=[f"{s}-{'-'.join(a[-1:])}" for s, a, _ in RUNS])
def test_the_benchmark_runs(script: str, args: list[str], shows: str) -> None:
    done = _run(script, args)
    assert done.returncode == 0, f"bench/{script}.py failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    assert shows in done.stdout, done.stdout[-2000:]


def test_the_analytics_benchmark_judges_memory_on_the_arrow_size_counted_once() -> None:
    """``mem x``, the figure the memory target is judged on, is the peak over the Arrow size
    with every buffer counted once (``arrow MB``); ``x nbytes``, beside it, is the peak over
    ``Table.nbytes``. At 300,000 events the file reads back as three record batches sharing
    the conversation names, so the two sizes differ and so must the two ratios."""
    done = _run("analytics", ["--sizes", "300000", "--frames", "short"])
    assert done.returncode == 0, done.stderr[-3000:]
    header, row = done.stdout.splitlines()[:2]
    assert "arrow MB  peak MB  mem x nbytes MB x nbytes" in header
    fields = row.split()
    assert fields[:2] == ["300,000", "short"]
    shared, peak, mem_x, nbytes, x_nbytes = (float(v) for v in fields[9:14])
    assert nbytes > shared  # the names counted once per batch
    # each MB figure is rounded to 0.1: the ratio lies within what the rounding allows
    assert (peak - 0.05) / (shared + 0.05) - 0.005 <= mem_x <= (peak + 0.05) / (shared - 0.05) + 0.005
    assert (peak - 0.05) / (nbytes + 0.05) - 0.005 <= x_nbytes <= (peak + 0.05) / (nbytes - 0.05) + 0.005
    assert "mem x <= 2.0" in done.stdout and "every buffer counted once" in done.stdout


def test_the_postgresql_benchmark_runs_with_a_steady_load(postgres: object) -> None:
    """``postgres`` skips where PostgreSQL cannot be started; the benchmark starts its own."""
    done = _run("serve_postgres", ["--backend", "postgresql", "--posts", "200", "--seconds", "20",
                                   "--rate", "100", "--rate-posts", "100"])
    assert done.returncode == 0, f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    assert "at a steady 100 posts/s (open loop, 100/100 acknowledged" in done.stdout
    assert "2 servers / 1 server" in done.stdout
    assert "lost 0" in done.stdout and "lost 1" not in done.stdout
