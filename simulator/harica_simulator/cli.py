"""Command line: `harica-simulator serve --state-dir DIR ...`."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from .server import serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harica-simulator",
        description="Local simulator of the HARICA CertManager /cm/v1 API, with a real CA.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="Run the simulator until SIGTERM or SIGINT.")
    serve_parser.add_argument(
        "--state-dir", required=True, type=Path, help="Directory for the database and the CA files (created if missing)."
    )
    serve_parser.add_argument("--host", default="127.0.0.1", help="Address to bind (default: 127.0.0.1).")
    serve_parser.add_argument(
        "--port", type=int, default=8443, help="TCP port to listen on; 0 picks a free port (default: 8443)."
    )
    serve_parser.add_argument("--no-tls", action="store_true", help="Serve plain HTTP instead of HTTPS.")
    serve_parser.add_argument(
        "--ready-file", type=Path, help="Write this JSON file (url, pid, tls_ca, root_ca) once listening."
    )
    serve_parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="Logging level (default: INFO)."
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    state_dir = args.state_dir.resolve()
    ready_file = args.ready_file.resolve() if args.ready_file else None
    asyncio.run(serve(state_dir, args.host, args.port, not args.no_tls, ready_file))
