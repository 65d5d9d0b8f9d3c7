"""Benchmark the harica inventory plugin at scale, beside a baseline plugin and a bare script.

Three things build or read the same certificates from the simulator:

- ``ansible-inventory --list`` with the harica plugin, cold (the cache empty) and cached;
- the same with a baseline plugin that loads the plugin's trimmed records with one
  json.load from a file and builds the same hosts, variables and groups with the same
  constructed options;
- a bare script that only downloads and parses the lists.

The plugin must stay within 1.5 times the baseline's time and peak memory, cold and
cached, and a cached run must send no request.

    python benchmarks/inventory.py                       # 100,000 certificates
    python benchmarks/inventory.py --certificates 500    # a quick run
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from harica_simulator.testing import Control, start_simulator

REPOSITORY = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
ADMIN_KEY = "benchmark-admin-key-6e5d4c3b2a19"
STATUSES = ["valid", "expired", "revoked"]
MAX_RATIO = 1.5
CONSTRUCTED = {
    "compose": {"days_left": "harica_days_remaining", "kind": "harica_type | upper"},
    "groups": {"short_lived": "harica_days_remaining is not none and harica_days_remaining < 60"},
    "keyed_groups": [{"key": "harica_type", "prefix": "type"}, {"key": "harica_status", "prefix": "status"}],
}

# Runs a Python script and prints its peak resident memory (KiB) on stderr at exit.
RUNNER = (
    "import resource, runpy, sys\n"
    "sys.argv = sys.argv[1:]\n"
    "try:\n"
    "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "finally:\n"
    "    print('PEAK_RSS_KIB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)

BARE = r'''
import json, sys, requests
url, key, ca = sys.argv[1:4]
count = 0
for status in ("valid", "expired", "revoked"):
    response = requests.get(f"{url}/cm/v1/admin/certificates/list/{status}", headers={"X-API-Key": key},
                            verify=ca, timeout=3600)
    response.raise_for_status()
    count += len(response.json())
print(count)
'''


def timed(command: list[str], environment: dict) -> dict:
    started = time.monotonic()
    completed = subprocess.run([sys.executable, "-c", RUNNER, *command], capture_output=True, text=True,
                               env=environment, check=False)
    elapsed = time.monotonic() - started
    if completed.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{completed.stderr[-3000:]}")
    peak = int(completed.stderr.rsplit("PEAK_RSS_KIB", 1)[1].split()[0])
    return {"seconds": elapsed, "peak_mib": peak / 1024, "stdout": completed.stdout}


def environment_for(workdir: Path) -> dict:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "HARICA_"))}
    environment.update({
        "ANSIBLE_COLLECTIONS_PATH": str(REPOSITORY / ".collections"),
        "ANSIBLE_INVENTORY_PLUGINS": str(HERE / "inventory_plugins"),
        "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"),
        "HARICA_API_KEY": ADMIN_KEY,
    })
    return environment


def inventory_command(source: Path, output: Path) -> list[str]:
    return [str(Path(sys.executable).with_name("ansible-inventory")), "-i", str(source), "--list", "--output",
            str(output)]


def hosts_in(output: Path) -> tuple[int, str]:
    """Return the number of hosts and a digest of the whole inventory: hosts, variables, groups."""
    data = json.loads(output.read_text())
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return len(data["_meta"]["hostvars"]), digest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--certificates", type=int, default=100000, help="certificates seeded")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        (workdir / "tmp").mkdir()
        with start_simulator(workdir / "simulator") as simulator:
            control = Control(simulator.url, simulator.tls_ca)
            control.create_enterprise("Benchmark University", ["example.org"])
            control.create_user("admin@example.org", ["enterprise_admin"], api_key=ADMIN_KEY)
            seeded = control.seed_certificates(count=arguments.certificates, domain="example.org")
            figures = run_all(simulator, control, workdir)
    return report(arguments.certificates, seeded, figures)


def run_all(simulator, control: Control, workdir: Path) -> dict:
    environment = environment_for(workdir)
    cache = workdir / "cache"
    source = workdir / "bench.harica.yml"
    source.write_text(yaml.safe_dump({
        "plugin": "harica.certmanager.harica", "api_url": simulator.url, "ca_path": simulator.tls_ca,
        "statuses": STATUSES, "cache": True, "cache_plugin": "ansible.builtin.jsonfile",
        "cache_connection": str(cache), "cache_timeout": 86400, **CONSTRUCTED,
    }))
    figures = {}
    mark = control.log()["last_seq"]
    figures["cold"] = timed(inventory_command(source, workdir / "cold.json"), environment)
    figures["cold"]["requests"] = len(control.log(since=mark)["entries"])
    figures["cold"]["hosts"], figures["cold"]["digest"] = hosts_in(workdir / "cold.json")
    mark = control.log()["last_seq"]
    figures["cached"] = timed(inventory_command(source, workdir / "cached.json"), environment)
    figures["cached"]["requests"] = len(control.log(since=mark)["entries"])
    figures["cached"]["hosts"], figures["cached"]["digest"] = hosts_in(workdir / "cached.json")
    records = workdir / "records.json"
    cache_files = sorted(path for path in cache.iterdir() if path.is_file())
    cached = json.loads(cache_files[0].read_text())
    # ansible-core 2.19 and later wrap a cached value as {"__payload__": "<JSON text>"}.
    if isinstance(cached, dict) and "__payload__" in cached:
        cached = json.loads(cached["__payload__"])
    records.write_text(json.dumps(cached))
    baseline_source = workdir / "bench.harica_baseline.yml"
    baseline_source.write_text(yaml.safe_dump({"plugin": "harica_baseline", "records_file": str(records),
                                               "statuses": STATUSES, **CONSTRUCTED}))
    figures["baseline"] = timed(inventory_command(baseline_source, workdir / "baseline.json"), environment)
    figures["baseline"]["hosts"], figures["baseline"]["digest"] = hosts_in(workdir / "baseline.json")
    bare = workdir / "bare.py"
    bare.write_text(BARE)
    figures["bare"] = timed([str(bare), simulator.url, ADMIN_KEY, simulator.tls_ca], environment)
    figures["bare"]["hosts"] = int(figures["bare"]["stdout"].strip())
    return figures


def report(certificates: int, seeded: dict, figures: dict) -> int:
    print(f"harica inventory benchmark: {certificates} certificates seeded in {seeded.get('elapsed_seconds', 0):.1f} s,"
          f" {os.cpu_count()} CPUs")
    print(f"{'run':>10}  {'seconds':>10}  {'peak MiB':>10}  {'hosts':>8}  {'requests':>8}")
    for name in ("cold", "cached", "baseline", "bare"):
        item = figures[name]
        print(f"{name:>10}  {item['seconds']:>10.2f}  {item['peak_mib']:>10.1f}  {item['hosts']:>8}"
              f"  {item.get('requests', '-')!s:>8}")
    baseline = figures["baseline"]
    checks = []
    for name in ("cold", "cached"):
        time_ratio = figures[name]["seconds"] / baseline["seconds"]
        memory_ratio = figures[name]["peak_mib"] / baseline["peak_mib"]
        print(f"{name} / baseline: time {time_ratio:.2f}, memory {memory_ratio:.2f} (limit {MAX_RATIO:g})")
        checks += [time_ratio <= MAX_RATIO, memory_ratio <= MAX_RATIO]
    print(f"cached run requests: {figures['cached']['requests']}")
    checks.append(figures["cached"]["requests"] == 0)
    same = figures["cold"]["digest"] == figures["cached"]["digest"] == figures["baseline"]["digest"]
    same = same and figures["cold"]["hosts"] == figures["bare"]["hosts"]
    print(f"same hosts in every run: {'yes' if same else 'no'} (hosts, variables and groups compared whole)")
    checks.append(same)
    print("verdict: within limits" if all(checks) else "verdict: OVER LIMITS")
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
