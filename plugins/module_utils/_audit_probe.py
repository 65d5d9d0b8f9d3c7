# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""TLS probes that read the leaf certificate a service serves, without verifying it."""

from __future__ import annotations

import concurrent.futures
import socket
import ssl
import typing as t

# Probes wait on the network, not on the CPU, so a few run at once on any machine.
MAX_PARALLEL_PROBES = 8


class ProbeResult(t.NamedTuple):
    """The served leaf certificate in DER, or the error that prevented reading it."""

    der: bytes | None
    error: str | None


def probe_context() -> ssl.SSLContext:
    """Return a client context that accepts any certificate.

    The audit reads what a service serves, including wrong, expired and self-signed
    certificates, so neither the chain nor the host name is checked here. The served
    certificate is compared with HARICA's records afterwards.
    """
    # NOTE: protocol versions and ciphers are Python's and OpenSSL's defaults, so a
    # service that offers only TLS versions they disable is reported as unreachable.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def probe(address: str, port: int, server_name: str, *, timeout: float) -> ProbeResult:
    """Connect to ``address:port`` with SNI ``server_name`` and return the served leaf.

    ``timeout`` (seconds) applies to the connection and to each read of the handshake.
    """
    try:
        with socket.create_connection((address, port), timeout=timeout) as raw:
            with probe_context().wrap_socket(raw, server_hostname=server_name) as tls:
                der = tls.getpeercert(binary_form=True)
    except (OSError, ValueError) as exc:
        return ProbeResult(None, describe_error(exc, timeout))
    if not der:
        return ProbeResult(None, "the server completed the TLS handshake without sending a certificate")
    return ProbeResult(der, None)


def probe_all(
    targets: t.Sequence[tuple[str, int, str]], *, timeout: float
) -> list[ProbeResult]:
    """Probe each ``(address, port, server_name)`` target; results keep the targets' order."""
    if not targets:
        return []
    workers = min(MAX_PARALLEL_PROBES, len(targets))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(probe, address, port, name, timeout=timeout) for address, port, name in targets]
        return [future.result() for future in futures]


def describe_error(exc: BaseException, timeout: float) -> str:
    """Return a one-line description of a failed probe that stays the same between runs.

    Port numbers of the local end and other per-run values are left out, so that the
    same failure gives the same report.
    """
    if isinstance(exc, socket.timeout):
        return f"timed out after {timeout:g} seconds"
    if isinstance(exc, ssl.SSLError):
        return f"TLS handshake failed: {exc.reason or exc}"
    if isinstance(exc, socket.gaierror):
        return f"name resolution failed: {exc.strerror or exc}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


__all__ = ("MAX_PARALLEL_PROBES", "ProbeResult", "describe_error", "probe", "probe_all", "probe_context")
