"""Pool of pre-generated P-256 keys for the certificates that the control API seeds.

A new key per certificate would dominate the cost of seeding many certificates, and no
caller ever needs the private key of a seeded certificate. So seeded certificates share
POOL_SIZE keys, created once and stored in `key-pool.pem` (mode 0600) in the state
directory. Certificates issued for SSL requests keep their own keys.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .ca import private_key_pem, write_private_file

POOL_SIZE = 16
POOL_FILE = "key-pool.pem"
PEM_KEY_BLOCK = re.compile(r"-----BEGIN PRIVATE KEY-----.+?-----END PRIVATE KEY-----\n?", re.S)


def _load_keys(path: Path) -> list[ec.EllipticCurvePrivateKey]:
    blocks = PEM_KEY_BLOCK.findall(path.read_text())
    return [serialization.load_pem_private_key(block.encode(), password=None) for block in blocks]


class KeyPool:
    """POOL_SIZE EC keys loaded from, or created in, the state directory."""

    def __init__(self, state_dir: Path) -> None:
        path = state_dir / POOL_FILE
        keys = _load_keys(path) if path.exists() else []
        if len(keys) != POOL_SIZE:
            keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(POOL_SIZE)]
            write_private_file(path, b"".join(private_key_pem(key) for key in keys))
        self.keys = keys
        # Subject key identifiers are hashes of the public key, so they are computed once.
        self.key_identifiers = [x509.SubjectKeyIdentifier.from_public_key(key.public_key()) for key in keys]

    def pick(self) -> int:
        """Return the index of a key chosen at random."""
        return secrets.randbelow(len(self.keys))
