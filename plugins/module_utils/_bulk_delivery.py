# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""The files of a bulk issuance in ``dest``, named from the row, never from the zip.

Each row gets ``<email>.<type>.crt``, ``.chain.crt`` and ``.fullchain.crt`` in PEM, and a
row with a server-generated key also ``.p12`` (mode 0600). Every write is atomic and
happens only when the content changes.
"""

from __future__ import annotations

import os
import time
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._bulk_rows import safe_email
from ansible_collections.harica.certmanager.plugins.module_utils._bulk_zip import Delivery
from ansible_collections.harica.certmanager.plugins.module_utils._files import write_file

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible.module_utils.basic import AnsibleModule

    from ansible_collections.harica.certmanager.plugins.module_utils._bulk_rows import Row

PRIVATE_MODE = "0600"


class Outcome(t.NamedTuple):
    result: str
    files: list[str]
    detail: str | None


class Deliverer:
    """Write the files of rows into ``dest``."""

    def __init__(self, module: AnsibleModule, client: t.Any, certificate_type: str, dest: str) -> None:
        self.module = module
        self.client = client
        self.type = certificate_type
        self.dest = dest
        self.changed = False

    def paths(self, row: Row) -> dict[str, str]:
        base = os.path.join(self.dest, f"{safe_email(row.email)}.{self.type}")
        return {
            "certificate": base + ".crt",
            "chain": base + ".chain.crt",
            "fullchain": base + ".fullchain.crt",
            "pkcs12": base + ".p12",
        }

    def existing(self, row: Row, certificate: t.Mapping[str, t.Any]) -> Outcome:
        """Deliver the files of a row that already has a certificate."""
        paths = self.paths(row)
        leaf = certificate.get("certificate")
        files: list[str] = []
        if leaf:
            files = self._write_pems(paths, leaf, list(certificate.get("chain") or []))
        if not row.uses_csr and not os.path.exists(paths["pkcs12"]):
            return Outcome("undelivered", files, (
                f"The PKCS#12 file {paths['pkcs12']} is missing, and HARICA generated the key, so it cannot be"
                f" downloaded again. Revoke certificate {certificate.get('serial_number')}, then run again"
                " (only this row is issued again), or give the row a CSR."))
        if row.uses_csr and not leaf:
            return Outcome("undelivered", files, (
                f"The server returned no PEM for certificate {certificate.get('serial_number')}, so its files"
                " could not be written."))
        if not row.uses_csr:
            files.append(paths["pkcs12"])
        return Outcome("skipped", files, None)

    def from_zip(self, delivery: Delivery) -> Outcome:
        paths = self.paths(delivery.row)
        files = self._write_pems(paths, delivery.leaf_pem, delivery.chain_pems)
        if delivery.pkcs12 is not None:
            self._write(paths["pkcs12"], delivery.pkcs12, mode=PRIVATE_MODE)
            files.append(paths["pkcs12"])
        return Outcome("issued", files, None)

    def keep_zip(self, body: bytes, zip_path: str | None, batch: int, batches: int, *, failed: bool = False) -> str | None:
        """Keep the zip of a batch at ``zip_path`` (``-<batch>`` added when there are several),
        or, for a zip that failed its check, in ``dest`` when ``zip_path`` is not set."""
        if zip_path is None and not failed:
            return None
        if zip_path is None:
            path = os.path.join(self.dest, f"harica-bulk-{self.type}-{int(time.time())}-batch{batch}.zip")
        elif batches > 1:
            stem, extension = os.path.splitext(zip_path)
            path = f"{stem}-{batch}{extension or '.zip'}"
        else:
            path = zip_path
        self._write(path, body, mode=PRIVATE_MODE)
        return path

    def _write_pems(self, paths: t.Mapping[str, str], leaf: str, chain: list[str]) -> list[str]:
        contents = {"certificate": leaf, "fullchain": leaf + "".join(chain)}
        if chain:
            contents["chain"] = "".join(chain)
        for kind, content in contents.items():
            self._write(paths[kind], content.encode("ascii"))
        return [paths[kind] for kind in ("certificate", "chain", "fullchain") if kind in contents]

    def _write(self, path: str, content: bytes, *, mode: str | None = None) -> None:
        if self.module.check_mode and not os.path.isdir(self.dest):
            # A real run creates dest first, so every file in it would be new.
            self.changed = True
            return
        result = write_file(self.module, path, content, mode=mode)
        self.changed = self.changed or result["changed"]


__all__ = ("Deliverer", "Outcome", "PRIVATE_MODE", "safe_email")
