"""Signing of batch-seeded certificates, in worker processes or in the server process.

A worker process loads the issuing CA and the P-256 key pool from the state directory
once (`init_worker`), then signs chunks of `SigningSpec` tuples (`sign_in_worker`).
Only the specs and the resulting PEM texts cross the process boundary.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from . import shapes
from .ca import CertificateAuthority
from .certificates import EXTENDED_KEY_USAGES, subject_alternative_names, subject_name
from .key_pool import KeyPool


class SigningSpec(NamedTuple):
    """The fields that signing one certificate needs. Times are Unix seconds."""

    certificate_type: str
    names: list[str]
    subject: list[list[str]]
    not_before: float
    not_after: float
    key_index: int


class Signed(NamedTuple):
    serial_hex: str
    pem: str
    subject_dn: str


# The worker process's CA and key pool, set by init_worker.
_worker_signer: tuple[CertificateAuthority, KeyPool] | None = None


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def sign_chunk(ca: CertificateAuthority, pool: KeyPool, specs: list[SigningSpec]) -> list[Signed]:
    """Sign every spec with the issuing CA and return the results in the same order."""
    signed = []
    for spec in specs:
        certificate = ca.issue_leaf(
            pool.keys[spec.key_index].public_key(),
            subject_name(spec.subject),
            subject_alternative_names(spec.certificate_type, spec.names),
            EXTENDED_KEY_USAGES[spec.certificate_type],
            _utc(spec.not_before),
            _utc(spec.not_after),
            key_identifier=pool.key_identifiers[spec.key_index],
        )
        signed.append(
            Signed(
                format(certificate.serial_number, "x"),
                shapes.certificate_pem(certificate),
                shapes.harica_dn(certificate.subject),
            )
        )
    return signed


def init_worker(state_dir: str) -> None:
    """Load the issuing CA and the key pool of `state_dir`, which the server has already created."""
    global _worker_signer
    path = Path(state_dir)
    _worker_signer = (CertificateAuthority(path), KeyPool(path))


def sign_in_worker(specs: list[SigningSpec]) -> list[Signed]:
    if _worker_signer is None:
        raise RuntimeError("init_worker was not called in this process")
    ca, pool = _worker_signer
    return sign_chunk(ca, pool, specs)
