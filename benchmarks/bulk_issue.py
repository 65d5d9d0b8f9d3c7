"""Benchmark harica_bulk_issue against the simulator, beside bare uploads of the same CSVs.

For each size, the simulator is reset and seeded with valid certificates, the module
issues the rows (half CSR rows, half pickup-password rows) in batches, and then the same
CSVs are uploaded again with plain requests. The table shows the module's wall time and
peak memory, the bare uploads' time, and the simulator's own time per row, so that the
module's own cost per row can be read off.

    python benchmarks/bulk_issue.py                  # 20,000 seeded; 1,000 and 5,000 rows
    python benchmarks/bulk_issue.py --seed 200 --sizes 20 50 --batch-sizes 10 25
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

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from harica_simulator.testing import Control, start_simulator

REPOSITORY = Path(__file__).resolve().parents[1]
MODULE = REPOSITORY / "plugins" / "modules" / "harica_bulk_issue.py"
ADMIN_KEY = "benchmark-admin-key-6e5d4c3b2a19"
DOMAIN = "example.org"
# Limits the module must stay within on a 2-core machine.
MAX_OVERHEAD_MS_PER_ROW = 10.0
MAX_GROWTH_KIB_PER_ROW = 20.0
# Memory must not grow with the number of batches. By estimate, keeping each batch's zip
# or CSV would cost hundreds of KiB per batch. The peak RSS of 10 and 50 batches differed
# by about 100 KiB per added batch on the 2-core machine, and the limit sits above that.
MAX_GROWTH_KIB_PER_BATCH = 128.0

# Runs the module file and prints its peak resident memory (KiB) on stderr at exit.
RUNNER = (
    "import resource, runpy, sys\n"
    "sys.argv = sys.argv[1:]\n"
    "try:\n"
    "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "finally:\n"
    "    print('PEAK_RSS_KIB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def make_rows(count: int, tag: str) -> list[dict]:
    rows = []
    for index in range(count):
        email = f"{tag}-{index}@{DOMAIN}"
        if index % 2 == 0:
            key = ec.generate_private_key(ec.SECP256R1())
            csr = (x509.CertificateSigningRequestBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, email)]))
                   .sign(key, hashes.SHA256()))
            rows.append({"email": email, "csr": csr.public_bytes(serialization.Encoding.PEM).decode("ascii")})
        else:
            rows.append({"email": email, "pickup_password": f"Pickup-{tag}-{index:06d}"})
    return rows


def prepare(control: Control, seed: int) -> str:
    control.reset()
    enterprise = control.create_enterprise("Benchmark University", [DOMAIN])
    control.create_user(f"admin@{DOMAIN}", ["enterprise_admin"], api_key=ADMIN_KEY)
    control.settings(bulk_key_type="ec-p256")
    if seed:
        control.seed_certificates(count=seed, types={"smime": 1.0}, statuses={"valid": 1.0}, domain=DOMAIN)
    return enterprise["organization_id"]


def run_module(simulator, rows: list[dict], batch_size: int, workdir: Path) -> dict:
    dest = workdir / f"dest-{len(rows)}-{batch_size}"
    dest.mkdir()
    arguments = {
        "ANSIBLE_MODULE_ARGS": {
            "api_url": simulator.url, "api_key": ADMIN_KEY, "ca_path": simulator.tls_ca,
            "certificate_type": "smime", "enterprise": DOMAIN, "entries": rows, "dest": str(dest),
            "batch_size": batch_size, "timeout": 600,
        }
    }
    args_file = workdir / "args.json"
    args_file.write_text(json.dumps(arguments))
    environment = dict(os.environ, PYTHONPATH=str(REPOSITORY / ".collections"))
    started = time.monotonic()
    completed = subprocess.run([sys.executable, "-c", RUNNER, str(MODULE), str(args_file)], capture_output=True,
                               text=True, env=environment, check=False)
    elapsed = time.monotonic() - started
    args_file.unlink()
    result = json.loads(completed.stdout)
    if result.get("failed"):
        raise SystemExit(f"the module failed: {result.get('msg')}")
    peak = int(completed.stderr.rsplit("PEAK_RSS_KIB", 1)[1].split()[0])
    return {"seconds": elapsed, "peak_kib": peak, "csvs": uploaded_csvs(rows, batch_size)}


def uploaded_csvs(rows: list[dict], batch_size: int) -> list[bytes]:
    """Build the CSVs the module uploads, with the module's own code."""
    sys.path.insert(0, str(REPOSITORY / ".collections"))
    from ansible_collections.harica.certmanager.plugins.module_utils import _bulk_rows

    parsed = _bulk_rows.rows_from_entries(rows)
    _bulk_rows.validate_rows(parsed, "smime", None)
    _bulk_rows.assign_friendly_names(parsed)
    batches = [parsed[start : start + batch_size] for start in range(0, len(parsed), batch_size)]
    return [_bulk_rows.build_csv(batch, "smime") for batch in batches]


def bare_uploads(simulator, organization_id: str, csvs: list[bytes]) -> float:
    started = time.monotonic()
    for csv_bytes in csvs:
        response = requests.post(
            f"{simulator.url}/cm/v1/bulk/create/smime",
            headers={"X-API-Key": ADMIN_KEY},
            data={"Value": organization_id},
            files={"File": ("bulk.csv", csv_bytes, "text/csv")},
            verify=simulator.tls_ca,
            timeout=600,
        )
        response.raise_for_status()
    return time.monotonic() - started


def simulator_seconds(control: Control, since: int) -> float:
    entries = control.log(since=since)["entries"]
    return sum(entry["handler_seconds"] or 0 for entry in entries if "/bulk/create/" in entry["path"])


def measure(simulator, control: Control, seed: int, size: int, batch_size: int, workdir: Path) -> dict:
    organization_id = prepare(control, seed)
    rows = make_rows(size, f"r{size}b{batch_size}")
    mark = control.log()["last_seq"]
    module = run_module(simulator, rows, batch_size, workdir)
    module_simulator = simulator_seconds(control, mark)
    mark = control.log()["last_seq"]
    bare = bare_uploads(simulator, organization_id, module["csvs"])
    return {
        "rows": size,
        "batch_size": batch_size,
        "batches": len(module["csvs"]),
        "module_s": module["seconds"],
        "bare_s": bare,
        "overhead_ms_per_row": (module["seconds"] - bare) * 1000 / size,
        "simulator_ms_per_row": module_simulator * 1000 / size,
        "bare_simulator_ms_per_row": simulator_seconds(control, mark) * 1000 / size,
        "peak_mib": module["peak_kib"] / 1024,
        "peak_kib": module["peak_kib"],
    }


def report(results: list[dict], seed: int) -> int:
    print(f"harica_bulk_issue benchmark: {seed} valid certificates seeded, ec-p256 keys, {os.cpu_count()} CPUs")
    header = ("rows", "batch", "batches", "module s", "bare s", "overhead ms/row", "sim ms/row", "peak MiB")
    print("  ".join(f"{name:>15}" for name in header))
    for item in results:
        values = (item["rows"], item["batch_size"], item["batches"], f"{item['module_s']:.2f}",
                  f"{item['bare_s']:.2f}", f"{item['overhead_ms_per_row']:.2f}", f"{item['simulator_ms_per_row']:.2f}",
                  f"{item['peak_mib']:.1f}")
        print("  ".join(f"{value:>15}" for value in values))
    smallest, largest = min(results, key=lambda item: item["rows"]), max(results, key=lambda item: item["rows"])
    growth = (largest["peak_kib"] - smallest["peak_kib"]) / max(largest["rows"] - smallest["rows"], 1)
    same_size = sorted((item for item in results if item["rows"] == largest["rows"]), key=lambda item: item["batches"])
    fewest, most = same_size[0], same_size[-1]
    batch_spread = (most["peak_kib"] - fewest["peak_kib"]) / 1024
    per_batch = (most["peak_kib"] - fewest["peak_kib"]) / max(most["batches"] - fewest["batches"], 1)
    worst = max(item["overhead_ms_per_row"] for item in results)
    print(f"memory growth per row: {growth:.1f} KiB (limit {MAX_GROWTH_KIB_PER_ROW:g})")
    print(f"peak memory at {largest['rows']} rows, {most['batches']} batches minus {fewest['batches']} batches: "
          f"{batch_spread:.1f} MiB, {per_batch:.1f} KiB per added batch (limit {MAX_GROWTH_KIB_PER_BATCH:g})")
    print(f"largest overhead per row: {worst:.2f} ms (limit {MAX_OVERHEAD_MS_PER_ROW:g})")
    within = (worst <= MAX_OVERHEAD_MS_PER_ROW and growth <= MAX_GROWTH_KIB_PER_ROW
              and per_batch <= MAX_GROWTH_KIB_PER_BATCH)
    print("verdict: within limits" if within else "verdict: OVER LIMITS")
    return 0 if within else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=20000, help="valid certificates seeded before each run")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000], help="rows per run")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[100, 500], help="batch sizes of the largest run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        with start_simulator(workdir / "simulator") as simulator:
            control = Control(simulator.url, simulator.tls_ca)
            plan = [(size, arguments.batch_sizes[0]) for size in arguments.sizes]
            plan += [(max(arguments.sizes), batch) for batch in arguments.batch_sizes[1:]]
            results = [measure(simulator, control, arguments.seed, size, batch, workdir) for size, batch in plan]
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2))
    return report(results, arguments.seed)


if __name__ == "__main__":
    sys.exit(main())
