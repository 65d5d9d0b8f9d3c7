"""Measure batch seeding and list serving at scale against a real simulator process.

    python simulator/benchmarks/scale.py [--count 100000] [--state-dir DIR]

Seeds COUNT certificates with POST /_sim/certificates/batch, restarts the simulator so
that the seeding's memory is returned, then fetches GET /cm/v1/admin/certificates
streamed (list_transfer "chunked") and as one body (list_transfer "content_length").
While each list is served, the server's resident set size is sampled from /proc every
20 ms. Prints one line per measurement. Linux only, because it reads /proc.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import requests

from harica_simulator.testing import Control, start_simulator

ADMIN_KEY = "benchmark-admin-key"
SAMPLE_SECONDS = 0.02


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """Return a memory field of /proc/PID/status (VmRSS or VmHWM) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not found for process {pid}")


class PeakSampler:
    """Sample a process's resident set size in a thread and keep the maximum."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = rss_mib(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mib(self.pid))
            time.sleep(SAMPLE_SECONDS)

    def __enter__(self) -> "PeakSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib(self.pid))


def fetch_list(sim, control: Control, transfer: str) -> None:
    control.settings(list_transfer=transfer)
    before = rss_mib(sim.process.pid)
    session = requests.Session()
    session.headers["X-API-Key"] = ADMIN_KEY
    started = time.perf_counter()
    with PeakSampler(sim.process.pid) as sampler:
        response = session.get(sim.url + "/cm/v1/admin/certificates", verify=sim.tls_ca, stream=True, timeout=600)
        size = sum(len(chunk) for chunk in response.iter_content(chunk_size=1 << 20))
    elapsed = time.perf_counter() - started
    entry = control.log()["entries"][-1]
    print(
        f"list_transfer={transfer}: {size / 2**20:.1f} MiB in {elapsed:.2f} s "
        f"(handler_seconds {entry['handler_seconds']:.2f}), server RSS {before:.0f} MiB before, "
        f"{sampler.peak:.0f} MiB peak"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="Certificates to seed (default: 100000).")
    parser.add_argument("--state-dir", type=Path, help="State directory (default: a new temporary directory).")
    args = parser.parse_args()
    state_dir = args.state_dir or Path(tempfile.mkdtemp(prefix="harica-sim-bench-"))
    with start_simulator(state_dir) as sim:
        control = Control(sim.url, sim.tls_ca)
        control.reset()
        control.create_enterprise("Example University", ["example.org"])
        control.create_user("admin@example.org", ["enterprise_admin"], api_key=ADMIN_KEY)
        started = time.perf_counter()
        summary = control.seed_certificates(args.count, seed=42)
        wall = time.perf_counter() - started
        print(
            f"seeded {summary['count']} certificates in {summary['elapsed_seconds']:.1f} s "
            f"(server) / {wall:.1f} s (client) with {summary['workers']} workers; "
            f"server peak RSS {rss_mib(sim.process.pid, 'VmHWM'):.0f} MiB"
        )
        sim.restart()
        control = Control(sim.url, sim.tls_ca)
        print(f"after restart: server RSS {rss_mib(sim.process.pid):.0f} MiB")
        fetch_list(sim, control, "chunked")
        fetch_list(sim, control, "content_length")


if __name__ == "__main__":
    main()
