# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""The normalised forms of serial numbers, timestamps and names, and their parsers.

Every module and the inventory plugin return values in these forms:

- serial numbers: upper-case hex, no separators, no leading zeros;
- timestamps: ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (timezone-aware ``datetime`` inside);
- DNS names: lower case, no trailing dot, internationalised labels in ASCII (``xn--``).
"""

from __future__ import annotations

import datetime
import math
import re
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaInputError

UTC = datetime.timezone.utc

SERIAL_FORMATS = ("hex", "decimal")

# How a value that YAML did not leave as a string is named in an error.
_TYPE_WORDS = {int: "a number", float: "a number", bool: "a boolean", list: "a list", dict: "a mapping",
               type(None): "empty"}

_SERIAL_SEPARATORS = re.compile(r"[\s:\-]")
_HEX_DIGITS = re.compile(r"^[0-9a-fA-F]+$")

# HARICA writes timestamps with no zone and 0 to 9 fractional digits. An offset or Z, and
# a date with no time (midnight), are accepted too. Python's datetime keeps 6 digits, so
# the rest is cut.
_TIMESTAMP = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


# Serial numbers


def parse_serial(value: t.Any, *, serial_format: str | None = None, option: str = "serial_number") -> int:
    """Read a serial number given by a user and return it as an integer.

    Colons, a ``0x`` prefix or any letter ``a``-``f`` mean hex. Digits only are rejected
    as ambiguous unless ``serial_format`` names the base they are in. Only strings are
    accepted, because YAML 1.1 turns unquoted ``0x1F``, ``012`` and ``12:34:56`` into
    integers that no longer show the serial the user wrote.
    """
    if not isinstance(value, str):
        raise HaricaInputError(
            f"{option} {value!r} is {_TYPE_WORDS.get(type(value), 'not a string')}, not a string: quote the serial"
            " in YAML (for example '0x1F' or '12:34:56'), because YAML reads an unquoted"
            " serial as a number and changes it."
        )
    text = value.strip()
    hex_marked = text.lower().startswith("0x")
    digits = text[2:] if hex_marked else text
    colons = ":" in digits
    digits = _SERIAL_SEPARATORS.sub("", digits)
    if not digits or not _HEX_DIGITS.match(digits):
        raise HaricaInputError(
            f"{option} {value!r} is not a serial number: use hex digits, optionally with"
            " colons or a 0x prefix."
        )
    if hex_marked or colons or not digits.isdigit():
        if serial_format == "decimal":
            raise HaricaInputError(
                f"{option} {value!r} is written in hex, but serial_format is decimal:"
                " remove serial_format or write the serial in decimal digits."
            )
        return int(digits, 16)
    if serial_format is None:
        raise HaricaInputError(
            f"{option} {value!r} is ambiguous: digits only can be hex or decimal. Set"
            " serial_format to hex or decimal, or write the serial with colons or a 0x prefix."
        )
    return int(digits, 16 if serial_format == "hex" else 10)


def parse_serials(value: t.Any, *, serial_format: str | None = None, option: str = "serial_numbers") -> list[int]:
    """Read a list of serials, or one string of comma-separated serials, without duplicates."""
    if isinstance(value, str):
        items: list[t.Any] = [part for part in value.split(",") if part.strip()]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [value]
    numbers: list[int] = []
    for item in items:
        number = parse_serial(item, serial_format=serial_format, option=option)
        if number not in numbers:
            numbers.append(number)
    return numbers


def format_serial(number: int) -> str:
    """Return a serial in the normalised form: upper-case hex without leading zeros."""
    return format(number, "X")


def normalize_serial(value: t.Any) -> str | None:
    """Normalise a serial as a server sends it: hex in any case, with leading zeros or colons."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return format_serial(value)
    digits = _SERIAL_SEPARATORS.sub("", str(value).strip())
    if digits.lower().startswith("0x"):
        digits = digits[2:]
    if not digits or not _HEX_DIGITS.match(digits):
        return str(value).strip().upper()
    return format_serial(int(digits, 16))


# Timestamps


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(UTC)


def parse_timestamp(value: t.Any) -> datetime.datetime | None:
    """Return a timezone-aware UTC datetime for a server timestamp, or None when absent.

    A value with no zone is read as UTC, as HARICA sends them.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return _as_utc(value)
    match = _TIMESTAMP.match(str(value).strip())
    if not match:
        raise ValueError(f"unknown timestamp format: {value!r}")
    fraction = (match["fraction"] or "0")[:6].ljust(6, "0")
    naive = datetime.datetime.strptime(
        f"{match['date']}T{match['hour'] or '00'}:{match['minute'] or '00'}:{match['second'] or '00'}",
        "%Y-%m-%dT%H:%M:%S",
    ).replace(microsecond=int(fraction))
    return _as_utc(naive.replace(tzinfo=_zone(match["zone"])))


def _zone(text: str | None) -> datetime.tzinfo:
    if not text or text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return datetime.timezone(sign * offset)


def _as_utc(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_timestamp(value: datetime.datetime | None) -> str | None:
    """Return ``YYYY-MM-DDTHH:MM:SSZ`` for an aware datetime, or None."""
    if value is None:
        return None
    return _as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def days_remaining(not_after: datetime.datetime | None, *, now: datetime.datetime) -> int | None:
    """Return whole days until ``not_after``, rounded down; negative once it has passed."""
    if not_after is None:
        return None
    seconds = (_as_utc(not_after) - _as_utc(now)).total_seconds()
    return math.floor(seconds / 86400)


# DNS names


def normalize_dns_name(name: str) -> str:
    """Return a DNS name lower-cased, without a trailing dot, with labels in ASCII form.

    ``*`` labels are kept. A label that IDNA cannot encode is kept lower-cased, so that a
    comparison still works on names the server sends.
    """
    text = name.strip().rstrip(".").lower()
    labels = []
    for label in text.split("."):
        if label.isascii() or label == "*":
            labels.append(label)
            continue
        try:
            labels.append(label.encode("idna").decode("ascii"))
        except UnicodeError:
            labels.append(label)
    return ".".join(labels)


def parse_dns_names(values: t.Iterable[t.Any], *, option: str) -> list[str]:
    """Normalise DNS names given by a user, rejecting empty and non-string entries."""
    names = []
    for value in values:
        if not isinstance(value, str) or not value.strip().rstrip("."):
            raise HaricaInputError(f"{option} contains {value!r}, which is not a DNS name.")
        names.append(normalize_dns_name(value))
    return names


__all__ = (
    "SERIAL_FORMATS",
    "UTC",
    "days_remaining",
    "format_serial",
    "format_timestamp",
    "normalize_dns_name",
    "normalize_serial",
    "parse_dns_names",
    "parse_serial",
    "parse_serials",
    "parse_timestamp",
    "utc_now",
)
