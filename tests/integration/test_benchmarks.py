"""The benchmark scripts run at a small size; only their output is checked, not timings."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPOSITORY


def run_benchmark(name, *arguments):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "HARICA_"))}
    completed = subprocess.run([sys.executable, str(REPOSITORY / "benchmarks" / name), *arguments],
                               capture_output=True, text=True, env=environment, timeout=900, check=False)
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


def test_bulk_issue_benchmark_output():
    completed = run_benchmark("bulk_issue.py", "--seed", "50", "--sizes", "10", "30", "--batch-sizes", "10", "30")
    lines = completed.stdout.splitlines()
    assert lines[0].startswith("harica_bulk_issue benchmark: 50 valid certificates seeded")
    rows = [line.split() for line in lines[2:5]]
    assert [(row[0], row[1], row[2]) for row in rows] == [("10", "10", "1"), ("30", "10", "3"), ("30", "30", "1")]
    assert any(line.startswith("memory growth per row:") for line in lines)
    batch_lines = [line for line in lines if line.startswith("peak memory at 30 rows, 3 batches minus 1 batches:")]
    assert len(batch_lines) == 1
    assert "per added batch" in batch_lines[0]
    assert any(line.startswith("largest overhead per row:") for line in lines)
    assert lines[-1].startswith("verdict:")


def test_inventory_benchmark_output():
    completed = run_benchmark("inventory.py", "--certificates", "200")
    lines = completed.stdout.splitlines()
    assert lines[0].startswith("harica inventory benchmark: 200 certificates seeded")
    runs = {line.split()[0]: line.split() for line in lines[2:6]}
    assert sorted(runs) == ["bare", "baseline", "cached", "cold"]
    assert runs["cold"][3] == runs["cached"][3] == runs["baseline"][3] == runs["bare"][3] == "200"
    assert runs["cached"][4] == "0"
    assert "cached run requests: 0" in lines
    assert "same hosts in every run: yes (hosts, variables and groups compared whole)" in lines
    assert lines[-1].startswith("verdict:")
