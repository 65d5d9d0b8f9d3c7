"""Running the simulator: TLS setup, listening socket, ready file and signal handling."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import ssl
from pathlib import Path

from aiohttp import web

from .app import build_app
from .accounts import backfill_version_2_enterprises
from .certificates import backfill_version_1_rows
from .state import Simulator

logger = logging.getLogger(__name__)


def make_ssl_context(sim: Simulator) -> ssl.SSLContext:
    cert_path, key_path = sim.ca.write_tls_server_files()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


def write_ready_file(path: Path, content: dict) -> None:
    """Write the ready file atomically, so a reader never sees a partial file."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(content))
    os.replace(temporary, path)


def _bound_port(runner: web.AppRunner) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple):
            return address[1]
    raise RuntimeError("The server is not listening on a TCP address.")


async def serve(state_dir: Path, host: str, port: int, tls: bool, ready_file: Path | None) -> None:
    """Serve until SIGTERM or SIGINT, then shut down cleanly."""
    sim = Simulator.open(state_dir)
    backfill_version_1_rows(sim.store)
    backfill_version_2_enterprises(sim.store, sim.clock.now())

    ssl_context = make_ssl_context(sim) if tls else None
    runner = web.AppRunner(build_app(sim), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
    await site.start()
    scheme = "https" if tls else "http"
    url = f"{scheme}://{host}:{_bound_port(runner)}"
    logger.info("HARICA simulator listening on %s with state dir %s", url, state_dir)
    if ready_file is not None:
        write_ready_file(
            ready_file,
            {
                "url": url,
                "pid": os.getpid(),
                "tls_ca": str(sim.ca.tls_ca_path) if tls else None,
                "root_ca": str(sim.ca.root_ca_path),
            },
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    logger.info("Stopping the HARICA simulator on %s", url)
    await runner.cleanup()
    sim.store.close()
    logger.info("HARICA simulator stopped")
