# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""The zip a bulk upload returns: checked whole, in memory, before anything is written.

Members are matched to rows by the friendly name in their name, then confirmed by the
email addresses (and, for CSR rows, the public key) of the certificate inside. Member
names are never used as paths.
"""

from __future__ import annotations

import io
import json
import re
import stat
import typing as t
import zipfile
import zlib

from ansible_collections.harica.certmanager.plugins.module_utils._bulk_text import count, row_numbers
from ansible_collections.harica.certmanager.plugins.module_utils._der import ber_to_der
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaError
from ansible_collections.harica.certmanager.plugins.module_utils._pem import (
    HAS_CRYPTOGRAPHY,
    certificate_details,
    public_key_der,
)
from ansible_collections.harica.certmanager.plugins.module_utils._responses import server_message

if HAS_CRYPTOGRAPHY:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

try:
    import lzma
except ImportError:  # pragma: no cover - Python built without lzma; zipfile then raises RuntimeError
    _LZMA_ERRORS: tuple[type[Exception], ...] = ()
else:
    _LZMA_ERRORS = (lzma.LZMAError,)

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.harica.certmanager.plugins.module_utils._bulk_rows import Row

# A zip starts with a local file header, or, when it has no member, with the end of its
# central directory (PKWARE APPNOTE, sections 4.3.7 and 4.3.16).
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
ZIP_CONTENT_TYPES = ("application/zip", "application/x-zip-compressed", "application/octet-stream")
# A certificate file of a bulk zip is a few kilobytes; far larger is a fault or an attack.
MAX_MEMBER_BYTES = 1024 * 1024
# The compression methods that Python's zipfile can read (stored, deflate, bzip2, LZMA).
READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
# The exceptions that zipfile raises for an archive or member it cannot read: BadZipFile
# for a bad header or CRC, RuntimeError for a missing decompressor, and zlib.error,
# OSError (from bz2), LZMAError, EOFError or ValueError for corrupt compressed data.
_UNREADABLE = (zipfile.BadZipFile, RuntimeError, EOFError, OSError, ValueError, zlib.error, *_LZMA_ERRORS)
# General purpose flag bits of a zip entry (PKWARE APPNOTE, section 4.4.4).
_FLAG_ENCRYPTED = 0x1
_FLAG_UTF8_NAME = 0x800

# "<index>.<FriendlyName>.<ext>"; the index is optional, because only public client code
# shows it.
_MEMBER = re.compile(r"^(?:(?P<index>\d+)\.)?(?P<name>.+)\.(?P<ext>p7b|p7c|p12|pfx)$", re.IGNORECASE)


class NotAZipError(HaricaError):
    """The upload's response is not a zip, so no certificate file arrived."""


class EmptyAnswerError(NotAZipError):
    """The upload's response carries no certificate (an empty body or an empty zip), so
    whether HARICA issued anything is unknown."""


class ZipCheckError(HaricaError):
    """The zip arrived but failed a check; certificates may have been issued."""


class Delivery(t.NamedTuple):
    """The files of one row in the zip."""

    row: Row
    member: str
    leaf_pem: str
    chain_pems: list[str]
    pkcs12: bytes | None
    details: dict[str, t.Any]


def check_response(body: bytes, content_type: str) -> None:
    """Raise NotAZipError unless the response is a non-empty zip, by content type and signature."""
    lowered = content_type.split(";", 1)[0].strip().lower()
    if not body:
        raise EmptyAnswerError("The upload returned an empty body instead of a zip.")
    if body.startswith(ZIP_SIGNATURES) and (not lowered or lowered in ZIP_CONTENT_TYPES):
        return
    message = server_message(body, content_type)
    if "html" in lowered or body.lstrip()[:1] == b"<":
        raise NotAZipError(
            "The upload returned an HTML page instead of a zip; HARICA shows its login page this way"
            " when the key lacks the Enterprise Admin role."
        )
    if "json" in lowered or body.lstrip()[:1] in (b"{", b"["):
        raise NotAZipError(f"The upload returned a JSON error instead of a zip: {message or _json_text(body)}")
    raise NotAZipError(f"The upload returned {lowered or 'an unnamed content type'} that is not a zip.")


def _json_text(body: bytes) -> str:
    try:
        return json.dumps(json.loads(body))[:300]
    except ValueError:
        return body[:300].decode("utf-8", errors="replace")


def read_zip(body: bytes, rows: t.Sequence[Row]) -> dict[int, Delivery]:
    """Check every member of the zip and return one delivery per row number.

    Raise EmptyAnswerError for a zip without members and ZipCheckError for any other
    problem, including a member that zipfile cannot read.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        members = archive.infolist()
    except _UNREADABLE as exc:
        raise ZipCheckError(f"The zip is damaged: {_reason(exc)}.") from None
    if not members:
        raise EmptyAnswerError("The upload returned an empty zip, so no certificate arrived.")
    if len(members) > len(rows):
        raise ZipCheckError(f"The zip contains {count(len(members), 'file')} for {count(len(rows), 'row')}.")
    by_name = {row.friendly_name.lower(): row for row in rows}
    deliveries: dict[int, Delivery] = {}
    seen: set[str] = set()
    for info in members:
        name = member_name(info)
        _check_member(info, name, seen)
        row = _row_for(name, by_name)
        if row.number in deliveries:
            raise ZipCheckError(f"Two files of the zip match row {row.number}: {deliveries[row.number].member}"
                                f" and {name}.")
        deliveries[row.number] = _delivery(row, name, _read_member(archive, info, name))
    missing = [row.number for row in rows if row.number not in deliveries]
    if missing:
        raise ZipCheckError(f"The zip contains no file for {row_numbers(missing)}.")
    return deliveries


def member_name(info: zipfile.ZipInfo) -> str:
    """Return a member's name, read as UTF-8 also when the zip does not set the UTF-8 flag.

    zipfile reads a name without the flag as code page 437 (PKWARE APPNOTE, appendix D),
    but a writer may store UTF-8 names without setting it. A name that is not valid UTF-8
    stays as zipfile read it.
    """
    if info.flag_bits & _FLAG_UTF8_NAME:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def _reason(exc: Exception) -> str:
    return str(exc).rstrip(".") or type(exc).__name__


def _check_member(info: zipfile.ZipInfo, name: str, seen: set[str]) -> None:
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        raise ZipCheckError(f"The zip member {name!r} has an absolute path.")
    if info.is_dir():
        raise ZipCheckError(f"The zip member {name!r} is a directory.")
    if ".." in parts or len(parts) > 1:
        raise ZipCheckError(f"The zip member {name!r} has a directory part; only plain file names are accepted.")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ZipCheckError(f"The zip member {name!r} is a symbolic link.")
    if name.lower() in seen:
        raise ZipCheckError(f"The zip contains two members named {name!r}, without regard to case.")
    if info.file_size > MAX_MEMBER_BYTES:
        raise ZipCheckError(f"The zip member {name!r} has {info.file_size} bytes, more than {MAX_MEMBER_BYTES}.")
    if info.flag_bits & _FLAG_ENCRYPTED:
        raise ZipCheckError(f"The zip member {name!r} is encrypted, so it cannot be read and checked.")
    if info.compress_type not in READABLE_METHODS:
        raise ZipCheckError(f"The zip member {name!r} uses compression method {info.compress_type}, which the"
                            " module cannot read.")
    seen.add(name.lower())


def _row_for(name: str, by_name: t.Mapping[str, Row]) -> Row:
    match = _MEMBER.match(name)
    if not match:
        raise ZipCheckError(f"The zip member {name!r} is not a .p7b or .p12 file named after a row.")
    stem = name[: -len(match["ext"]) - 1]
    candidates = {row.number: row for key, row in by_name.items() if key in (stem.lower(), match["name"].lower())}
    if len(candidates) != 1:
        how = "no row" if not candidates else row_numbers(sorted(candidates))
        raise ZipCheckError(f"The zip member {name!r} matches {how} by its friendly name.")
    return next(iter(candidates.values()))


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    # The sizes in the central directory can be wrong, so the read is bounded anyway and its
    # length compared with the declared size. zipfile stops at the declared size, so data
    # that expands beyond it (a zip bomb) fails the CRC check instead of filling memory.
    try:
        with archive.open(info) as handle:
            data = handle.read(MAX_MEMBER_BYTES + 1)
    except _UNREADABLE as exc:
        raise ZipCheckError(f"The zip member {name!r} cannot be read: {_reason(exc)}.") from None
    if len(data) > MAX_MEMBER_BYTES:
        raise ZipCheckError(f"The zip member {name!r} is larger than {MAX_MEMBER_BYTES} bytes.")
    if len(data) != info.file_size:
        declared = count(info.file_size, "byte")
        raise ZipCheckError(f"The zip member {name!r} declares {declared} but contains {len(data)}.")
    return data


def _delivery(row: Row, name: str, data: bytes) -> Delivery:
    extension = name.rsplit(".", 1)[1].lower()
    if extension in ("p12", "pfx"):
        if row.uses_csr:
            raise ZipCheckError(f"The zip member {name!r} is a PKCS#12 file, but row {row.number} sent a CSR.")
        leaf, chain, pkcs12_data = _open_pkcs12(row, name, data)
        details = certificate_details(leaf)
    else:
        leaf, chain, details = _open_pkcs7(name, data, row)
        pkcs12_data = None
    _confirm(row, name, leaf, details)
    return Delivery(row, name, leaf, chain, pkcs12_data, details)


def _open_pkcs12(row: Row, name: str, data: bytes) -> tuple[str, list[str], bytes]:
    password = (row.pickup_password or "").encode("utf-8")
    try:
        key, certificate, additional = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        raise ZipCheckError(f"The zip member {name!r} does not open with the pickup password of row {row.number}.") \
            from None
    if certificate is None or key is None:
        raise ZipCheckError(f"The zip member {name!r} holds no certificate and key.")
    chain = [_pem(extra) for extra in additional or []]
    return _pem(certificate), chain, data


def _open_pkcs7(name: str, data: bytes, row: Row) -> tuple[str, list[str], dict[str, t.Any]]:
    try:
        certificates = _pkcs7_certificates(data)
    except ValueError as exc:
        raise ZipCheckError(f"The zip member {name!r} is not a readable PKCS#7 file: {exc}.") from None
    pems = [_pem(certificate) for certificate in certificates]
    described = [(pem, certificate_details(pem)) for pem in pems]
    leaves = [(pem, details) for pem, details in described if row.email in details["emails"]]
    if len(leaves) != 1:
        raise ZipCheckError(f"The zip member {name!r} holds {len(leaves)} certificates for {row.email}, not one.")
    leaf, details = leaves[0]
    return leaf, [pem for pem in pems if pem != leaf], details


def _pkcs7_certificates(data: bytes) -> list[t.Any]:
    if data.lstrip().startswith(b"-----BEGIN"):
        return pkcs7.load_pem_pkcs7_certificates(data)
    # Indefinite lengths are valid BER but not DER; the re-encoding leaves DER unchanged.
    return pkcs7.load_der_pkcs7_certificates(ber_to_der(data))


def _confirm(row: Row, name: str, leaf: str, details: t.Mapping[str, t.Any]) -> None:
    if row.email not in details["emails"]:
        raise ZipCheckError(
            f"The zip member {name!r} holds a certificate for {', '.join(details['emails']) or 'no email'}, not for"
            f" {row.email} of row {row.number}."
        )
    if row.uses_csr and public_key_der(leaf) != row.public_key:
        raise ZipCheckError(f"The certificate in {name!r} does not carry the public key of row {row.number}'s CSR.")


def _pem(certificate: t.Any) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


__all__ = (
    "MAX_MEMBER_BYTES",
    "READABLE_METHODS",
    "Delivery",
    "EmptyAnswerError",
    "NotAZipError",
    "ZipCheckError",
    "check_response",
    "member_name",
    "read_zip",
)
