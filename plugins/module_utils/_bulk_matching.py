# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Which rows of a bulk issuance already have a valid certificate.

A row's key is its primary email, the certificate type and the profile, and for a CSR
row also the CSR's public key. Certificates are matched by the email addresses in their
subject alternative names, never by the record's user email, which for bulk issuance
may be the uploader's.
"""

from __future__ import annotations

import collections
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._bulk_rows import PROFILES
from ansible_collections.harica.certmanager.plugins.module_utils._certificates import CertificateStore
from ansible_collections.harica.certmanager.plugins.module_utils._pem import public_key_der
from ansible_collections.harica.certmanager.plugins.module_utils._records import Record, parse_sans
from ansible_collections.harica.certmanager.plugins.module_utils._values import utc_now

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.harica.certmanager.plugins.module_utils._bulk_rows import Row


def certificate_profile(certificate: t.Mapping[str, t.Any], certificate_type: str) -> str | None:
    """Return the bulk profile a certificate was issued with, or None when it cannot tell.

    A profile word in the record decides. Without one, a subject with a given name and a
    surname means the profile that needs them; this inference is a guess, listed on the
    API assumptions page.
    """
    profiles = PROFILES[certificate_type]
    raw = {str(key).lower(): value for key, value in certificate.get("raw", {}).items()}
    fields = (certificate.get("product"), raw.get("certtype"), raw.get("profile"), raw.get("transactiontypename"))
    words = [str(value).lower() for value in fields if value]
    for name, profile in profiles.items():
        if any(profile.cert_type.lower() in word for word in words):
            return name
    named = bool(certificate.get("given_name") and certificate.get("surname"))
    choices = [name for name, profile in profiles.items() if profile.needs_names == named]
    return choices[0] if choices else None


class CertificateIndex:
    """The enterprise's valid certificates of one type, by email address."""

    def __init__(self, store: CertificateStore, certificates: t.Iterable[dict[str, t.Any]], certificate_type: str):
        self.store = store
        self.type = certificate_type
        self.serials: set[str] = set()
        self.by_email: dict[str, list[dict[str, t.Any]]] = collections.defaultdict(list)
        for certificate in certificates:
            if certificate["type"] != certificate_type or certificate["status"] != "valid":
                continue
            self.serials.add(certificate["serial_number"])
            for email in certificate["emails"]:
                self.by_email[email].append(certificate)

    @classmethod
    def read(cls, client: t.Any, certificate_type: str, emails: t.Collection[str]) -> CertificateIndex:
        """Read the valid certificates that may belong to ``emails``.

        The list may hold tens of thousands of certificates, so only records whose
        ``sANS`` names one of the emails, or that have no ``sANS``, are parsed whole.
        """
        wanted = set(emails)

        def may_match(record: Record) -> bool:
            sans = record.get("sANS", "subjectAlternativeNames")
            return not sans or bool(wanted.intersection(parse_sans(sans)[1]))

        store = CertificateStore(client, now=utc_now())
        return cls(store, store.by_status("valid", prefilter=may_match), certificate_type)

    def match(self, row: Row) -> dict[str, t.Any] | None:
        """Return the row's newest valid certificate, or None."""
        candidates = [certificate for certificate in self.by_email.get(row.email, []) if self._fits(row, certificate)]
        return max(candidates, key=lambda c: (c["not_after"] or "", c["serial_number"] or "")) if candidates else None

    def match_new(self, row: Row, before: CertificateIndex) -> dict[str, t.Any] | None:
        """Return a certificate of the row that ``before`` did not have, or None."""
        candidates = [
            certificate
            for certificate in self.by_email.get(row.email, [])
            if certificate["serial_number"] not in before.serials and self._fits(row, certificate)
        ]
        return max(candidates, key=lambda c: (c["not_after"] or "", c["serial_number"] or "")) if candidates else None

    def _fits(self, row: Row, certificate: dict[str, t.Any]) -> bool:
        if certificate_profile(certificate, self.type) != row.profile:
            return False
        if not row.uses_csr:
            return True
        pem = self.pem(certificate)
        return pem is not None and public_key_der(pem) == row.public_key

    def pem(self, certificate: dict[str, t.Any]) -> str | None:
        """Return the certificate's PEM, looked up by serial when the list left it out."""
        if not certificate.get("certificate") and certificate.get("serial_number"):
            found = self.store.by_serial(int(certificate["serial_number"], 16))
            if found is not None:
                certificate.update({"certificate": found["certificate"], "chain": found["chain"]})
        return certificate.get("certificate")


__all__ = ("CertificateIndex", "certificate_profile")
