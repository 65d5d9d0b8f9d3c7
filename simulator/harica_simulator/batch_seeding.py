"""Fast seeding of many certificates: `POST /_sim/certificates/batch`.

The server process plans every certificate from a seeded random generator (type,
status, names, dates), worker processes sign them (see batch_signing.py), and the
server inserts all rows with one `executemany` in one transaction.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import multiprocessing
import os
import random
import secrets
import time
import uuid
from dataclasses import dataclass

from . import batch_names, batch_signing
from .accounts import seed_enterprise
from .certificate_seeds import EMAIL_VALIDITY_DAYS, ORGANIZATION_PRODUCTS, check_enterprise_domains, reject_unknown_keys
from .certificates import CERTIFICATE_TYPES, ISSUANCE_METHODS, STATUSES, key_type
from .errors import ApiError
from .names import to_ascii_dns_name
from .revocation_reasons import REVOCATION_REASONS
from .shapes import harica_dn
from .state import Simulator

MAX_COUNT = 1_000_000
# Longest `domain`, so that every generated name fits the 64-character common name.
MAX_DOMAIN_LENGTH = 48
# Batches smaller than this are signed in the server process, because starting worker
# processes costs about half a second.
MIN_COUNT_FOR_WORKERS = 2000
CHUNKS_PER_WORKER = 4
SECONDS_PER_DAY = 86400
BATCH_KEYS = {"count", "types", "statuses", "domain", "seed", "issued_via", "organization_id"}
DEFAULT_TYPES = {"ssl": 0.6, "smime": 0.3, "clientauth": 0.1}
DEFAULT_STATUSES = {"valid": 0.8, "expired": 0.1, "revoked": 0.1}
DEFAULT_ISSUED_VIA = {"single": 1.0}
# Product shares of each type.
PRODUCT_SHARES = {
    "ssl": {"DV": 0.3, "OV": 0.6, "EV": 0.1},
    "smime": {"email_only": 0.7, "natural_legal_lcp": 0.3},
    "clientauth": {"CLIENT_AUTHENTICATION_IV": 0.5, "CLIENT_AUTHENTICATION_OV": 0.5},
}
PERSON_PRODUCTS = ("natural_legal_lcp", "CLIENT_AUTHENTICATION_IV")
INSERT_COLUMNS = (
    "serial_hex, certificate_type, product, issued_via, status, pem, names, common_name, subject_dn, issuer_dn,"
    " key_type, not_before, not_after, transaction_id, enterprise_id, requester_email, requester_name,"
    " friendly_name, revoked_at, revocation_reason"
)


@dataclass
class PlannedCertificate:
    """The database fields of one certificate that do not depend on its signature."""

    certificate_type: str
    product: str
    issued_via: str
    status: str
    names: batch_names.NameChoice
    subject: list[list[str]]
    not_before: float
    not_after: float
    revoked_at: float | None
    revocation_reason: str | None
    key_index: int


def _shares(payload: dict, key: str, allowed: tuple, default: dict) -> dict[str, float]:
    raw = payload.get(key, default)
    if not isinstance(raw, dict) or not raw:
        raise ApiError(f"Invalid {key!r}: expected an object of {', '.join(allowed)} and their shares.")
    for name, share in raw.items():
        if name not in allowed:
            raise ApiError(f"Invalid {key!r}: unknown {name!r}, allowed keys are {', '.join(allowed)}.")
        if not isinstance(share, (int, float)) or isinstance(share, bool) or share < 0:
            raise ApiError(f"Invalid share {share!r} of {name!r} in {key!r}: expected a number >= 0.")
    if sum(raw.values()) <= 0:
        raise ApiError(f"Invalid {key!r}: the shares add up to 0.")
    return raw


def allocate(count: int, shares: dict[str, float]) -> dict[str, int]:
    """Split `count` in proportion to `shares` by largest remainder, so the parts add up to `count`."""
    total = sum(shares.values())
    exact = {name: count * share / total for name, share in shares.items()}
    counts = {name: int(value) for name, value in exact.items()}
    leftover = count - sum(counts.values())
    by_remainder = sorted(exact, key=lambda name: exact[name] - counts[name], reverse=True)
    for name in by_remainder[:leftover]:
        counts[name] += 1
    return counts


def _shuffled_labels(rng: random.Random, counts: dict[str, int]) -> list[str]:
    labels = [name for name, number in counts.items() for _ in range(number)]
    rng.shuffle(labels)
    return labels


def _weighted(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def _count(payload: dict) -> int:
    count = payload.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
        raise ApiError(f"Invalid count {count!r}: expected an integer from 1 to {MAX_COUNT}.")
    return count


def _seed(payload: dict) -> int:
    seed = payload.get("seed")
    if seed is None:
        return secrets.randbelow(2**31)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ApiError(f"Invalid seed {seed!r}: expected an integer.")
    return seed


def _domain(payload: dict, enterprise) -> str:
    """Return the ASCII base domain of the names: `domain`, else the enterprise's first, else example.org."""
    domains = json.loads(enterprise["domains"])
    raw = payload.get("domain", domains[0] if domains else "example.org")
    domain = to_ascii_dns_name(raw, allow_wildcard=False)
    if len(domain) > MAX_DOMAIN_LENGTH:
        raise ApiError(f"Invalid domain {raw!r}: longer than {MAX_DOMAIN_LENGTH} characters.")
    check_enterprise_domains(enterprise, [domain])
    return domain


def _validity(rng: random.Random, status: str, days: int, now: float) -> tuple[float, float, float | None]:
    """Return (not_before, not_after, revoked_at) that give the certificate `status` at `now`."""
    length = days * SECONDS_PER_DAY
    if status == "expired":
        not_after = now - rng.uniform(1, 400) * SECONDS_PER_DAY
        return not_after - length, not_after, None
    not_before = now - rng.uniform(0, days - 1) * SECONDS_PER_DAY
    revoked_at = rng.uniform(not_before, now) if status == "revoked" else None
    return not_before, not_before + length, revoked_at


def _subject(product: str, enterprise, names: batch_names.NameChoice) -> list[list[str]]:
    pairs = []
    if product in ORGANIZATION_PRODUCTS:
        pairs += [["C", enterprise["country"]], ["O", enterprise["name"]]]
    if product in PERSON_PRODUCTS:
        pairs += [["GN", names.given_name], ["SN", names.surname]]
    return pairs + [["CN", names.certificate_common_name]]


@dataclass
class BatchRequest:
    count: int
    seed: int
    domain: str
    enterprise: object
    types: dict[str, int]
    statuses: dict[str, int]
    issued_via: dict[str, float]


def parse_batch(sim: Simulator, payload) -> BatchRequest:
    if not isinstance(payload, dict):
        raise ApiError("The request body must be a JSON object.")
    reject_unknown_keys(payload, BATCH_KEYS)
    count = _count(payload)
    enterprise = seed_enterprise(sim.store, payload.get("organization_id"))
    return BatchRequest(
        count=count,
        seed=_seed(payload),
        domain=_domain(payload, enterprise),
        enterprise=enterprise,
        types=allocate(count, _shares(payload, "types", CERTIFICATE_TYPES, DEFAULT_TYPES)),
        statuses=allocate(count, _shares(payload, "statuses", STATUSES, DEFAULT_STATUSES)),
        issued_via=_shares(payload, "issued_via", ISSUANCE_METHODS, DEFAULT_ISSUED_VIA),
    )


def plan(batch: BatchRequest, now: float, ssl_validity_days: int, pool_size: int) -> list[PlannedCertificate]:
    """Choose every certificate of the batch from a generator seeded with `batch.seed`."""
    rng = random.Random(batch.seed)
    types = _shuffled_labels(rng, batch.types)
    statuses = _shuffled_labels(rng, batch.statuses)
    earlier: dict[str, list] = {certificate_type: [] for certificate_type in CERTIFICATE_TYPES}
    planned = []
    for index, (certificate_type, status) in enumerate(zip(types, statuses), start=1):
        product = _weighted(rng, PRODUCT_SHARES[certificate_type])
        names = batch_names.choose_names(
            rng, index, certificate_type, batch.domain, product in PERSON_PRODUCTS, earlier[certificate_type]
        )
        days = ssl_validity_days if certificate_type == "ssl" else EMAIL_VALIDITY_DAYS
        not_before, not_after, revoked_at = _validity(rng, status, days, now)
        planned.append(
            PlannedCertificate(
                certificate_type=certificate_type,
                product=product,
                issued_via=_weighted(rng, batch.issued_via),
                status=status,
                names=names,
                subject=_subject(product, batch.enterprise, names),
                not_before=not_before,
                not_after=not_after,
                revoked_at=revoked_at,
                revocation_reason=rng.choice(list(REVOCATION_REASONS)) if revoked_at is not None else None,
                key_index=rng.randrange(pool_size),
            )
        )
    return planned


def _signing_spec(item: PlannedCertificate) -> batch_signing.SigningSpec:
    return batch_signing.SigningSpec(
        item.certificate_type, item.names.names, item.subject, item.not_before, item.not_after, item.key_index
    )


def worker_count() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


async def sign_all(sim: Simulator, specs: list[batch_signing.SigningSpec], workers: int) -> list[batch_signing.Signed]:
    """Sign the specs in `workers` processes, or in this process when `workers` is 1."""
    if workers == 1:
        return batch_signing.sign_chunk(sim.ca, sim.key_pool, specs)
    size = max(1, -(-len(specs) // (workers * CHUNKS_PER_WORKER)))
    chunks = [specs[start : start + size] for start in range(0, len(specs), size)]
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=batch_signing.init_worker,
        initargs=(str(sim.state_dir),),
    ) as pool:
        results = await asyncio.gather(*(loop.run_in_executor(pool, batch_signing.sign_in_worker, c) for c in chunks))
    return [signed for chunk in results for signed in chunk]


def _requester(item: PlannedCertificate, domain: str) -> str:
    if item.certificate_type == "ssl":
        return f"hostmaster@{domain}"
    return item.names.names[0]


def _row(item: PlannedCertificate, signed: batch_signing.Signed, batch: BatchRequest, issuer_dn: str, key: str):
    requester = _requester(item, batch.domain)
    return (
        signed.serial_hex,
        item.certificate_type,
        item.product,
        item.issued_via,
        "revoked" if item.revoked_at is not None else "valid",
        signed.pem,
        json.dumps(item.names.names),
        item.names.common_name,
        signed.subject_dn,
        issuer_dn,
        key,
        item.not_before,
        item.not_after,
        str(uuid.uuid4()),
        batch.enterprise["id"],
        requester,
        requester.split("@")[0],
        item.names.common_name,
        item.revoked_at,
        item.revocation_reason,
    )


def insert_all(sim: Simulator, batch: BatchRequest, planned: list[PlannedCertificate], signed: list) -> None:
    """Insert every certificate with one executemany in one transaction."""
    issuer_dn = harica_dn(sim.ca.issuing.certificate.subject)
    pool_key_type = key_type(sim.key_pool.keys[0].public_key())
    placeholders = ", ".join("?" * len(INSERT_COLUMNS.split(",")))
    rows = (_row(item, result, batch, issuer_dn, pool_key_type) for item, result in zip(planned, signed))
    with sim.store.transaction() as conn:
        conn.executemany(f"INSERT INTO certificates ({INSERT_COLUMNS}) VALUES ({placeholders})", rows)


def _tally(planned: list[PlannedCertificate], field: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in planned:
        value = getattr(item, field)
        counts[value] = counts.get(value, 0) + 1
    return counts


async def seed_batch(sim: Simulator, payload) -> dict:
    """Seed the certificates of a batch payload and return the counts and the elapsed time."""
    started = time.perf_counter()
    batch = parse_batch(sim, payload)
    settings = sim.settings.current()
    planned = plan(batch, sim.clock.now(), settings["ssl_validity_days"], len(sim.key_pool.keys))
    workers = worker_count() if batch.count >= MIN_COUNT_FOR_WORKERS else 1
    signed = await sign_all(sim, [_signing_spec(item) for item in planned], workers)
    insert_all(sim, batch, planned, signed)
    return {
        "count": batch.count,
        "seed": batch.seed,
        "domain": batch.domain,
        "types": _tally(planned, "certificate_type"),
        "statuses": _tally(planned, "status"),
        "issued_via": _tally(planned, "issued_via"),
        "products": _tally(planned, "product"),
        "workers": workers,
        "elapsed_seconds": round(time.perf_counter() - started, 3),
    }
