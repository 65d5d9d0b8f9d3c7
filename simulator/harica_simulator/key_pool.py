"""Pools of pre-generated keys for seeded certificates and bulk pickup-password rows.

A new key per certificate would dominate the cost of seeding many certificates, and no
caller ever needs the private key of a seeded certificate. So seeded certificates share
POOL_SIZE P-256 keys, created once and stored in `key-pool.pem` (mode 0600) in the state
directory. Certificates issued for SSL requests keep their own keys.

Bulk rows with a pickup password get a key of the `bulk_key_type` setting's type from
the pool of that type: the P-256 pool above, or RSA_POOL_SIZE RSA 2048-bit keys in
`key-pool-rsa-2048.pem`, created the first time that type is needed.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .ca import private_key_pem, write_private_file

POOL_SIZE = 16
POOL_FILE = "key-pool.pem"
# RSA keys take about 0.1 s each to generate, so the RSA pool is smaller.
RSA_POOL_SIZE = 8
RSA_POOL_FILE = "key-pool-rsa-2048.pem"
EC_P256 = "ec-p256"
RSA_2048 = "rsa-2048"
KEY_TYPES = (EC_P256, RSA_2048)
PEM_KEY_BLOCK = re.compile(r"-----BEGIN PRIVATE KEY-----.+?-----END PRIVATE KEY-----\n?", re.S)


def _load_keys(path: Path) -> list[ec.EllipticCurvePrivateKey]:
    blocks = PEM_KEY_BLOCK.findall(path.read_text())
    return [serialization.load_pem_private_key(block.encode(), password=None) for block in blocks]


def _generate(key_type: str):
    if key_type == RSA_2048:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


class KeyPool:
    """The keys of one type (P-256 unless given), loaded from, or created in, the state directory."""

    def __init__(self, state_dir: Path, key_type: str = EC_P256) -> None:
        path = state_dir / (RSA_POOL_FILE if key_type == RSA_2048 else POOL_FILE)
        size = RSA_POOL_SIZE if key_type == RSA_2048 else POOL_SIZE
        keys = _load_keys(path) if path.exists() else []
        if len(keys) != size:
            keys = [_generate(key_type) for _ in range(size)]
            write_private_file(path, b"".join(private_key_pem(key) for key in keys))
        self.keys = keys
        # Subject key identifiers are hashes of the public key, so they are computed once.
        self.key_identifiers = [x509.SubjectKeyIdentifier.from_public_key(key.public_key()) for key in keys]

    def pick(self) -> int:
        """Return the index of a key chosen at random."""
        return secrets.randbelow(len(self.keys))
