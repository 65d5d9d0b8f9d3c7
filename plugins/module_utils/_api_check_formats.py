# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Classifiers that describe HARICA responses without repeating their values.

The API check reports what it saw in these terms: list shapes, field names and their
casing, timestamp and serial formats, and ``sANS`` labels. None of them returns a record,
a PEM or any value longer than a short word, so their output is safe to show.
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._records import LIST_WRAPPER_KEYS, Record
from ansible_collections.harica.certmanager.plugins.module_utils._values import parse_timestamp

# Maximum length of a word sample, and maximum number of samples per report.
MAX_WORD_LENGTH = 40
MAX_SAMPLES = 12

# Keys of a list wrapper object that suggest the list is one page of a longer one.
PAGINATION_KEYS = (
    "total",
    "totalcount",
    "totalitems",
    "totalpages",
    "page",
    "pages",
    "pagesize",
    "pagenumber",
    "pageindex",
    "next",
    "nextpage",
    "nextlink",
    "@odata.nextlink",
    "skip",
    "take",
    "offset",
    "limit",
    "hasmore",
    "hasnextpage",
    "cursor",
    "continuationtoken",
)

_TIMESTAMP_PARTS = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:(?P<separator>[T ])(?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:(?P<point>[.,])(?P<fraction>\d+))?)?)?"
    r"(?P<space>\s*)(?P<zone>Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_SAN_LABEL = re.compile(r"^\s*(?P<label>[A-Za-z][A-Za-z0-9 ]*?)\s*(?P<separator>[=:])")
_SERIAL_SEPARATORS = re.compile(r"[\s:\-]")
_HEX_DIGITS = re.compile(r"^[0-9a-fA-F]+$")

# sANS labels that _records.parse_sans reads, compared without spaces and case.
KNOWN_SAN_KINDS = ("dnsname", "dns", "rfc822name", "rfc822", "email")


def short_word(value: t.Any) -> str:
    """Return a value as a one-line word of at most MAX_WORD_LENGTH characters."""
    text = " ".join(str(value).split())
    if len(text) > MAX_WORD_LENGTH:
        return text[: MAX_WORD_LENGTH - 3] + "..."
    return text


def json_type(value: t.Any) -> str:
    """Name the JSON type of a decoded value, such as ``a JSON object`` or ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a JSON boolean"
    if isinstance(value, (int, float)):
        return "a JSON number"
    if isinstance(value, str):
        return "a JSON string"
    if isinstance(value, list):
        return "a JSON array"
    if isinstance(value, dict):
        return "a JSON object"
    return type(value).__name__


def count_of(number: int, noun: str) -> str:
    """Return ``1 record`` or ``3 records``. The plural adds an s."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def word_list(words: t.Sequence[str], conjunction: str = "and") -> str:
    """Join words as ``a, b and c``."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def distinct_words(values: t.Iterable[t.Any]) -> list[str]:
    """Return the distinct values as short words, in the order first seen, at most MAX_SAMPLES."""
    words: list[str] = []
    for value in values:
        if value is None or value == "":
            continue
        word = short_word(value)
        if word not in words:
            words.append(word)
        if len(words) == MAX_SAMPLES:
            break
    return words


# List shapes


class ListShape(t.NamedTuple):
    """The layout of a list response, and the records it contains.

    ``kind`` is one of these words:

    - ``array``: a bare JSON array;
    - ``wrapped``: an object with the array under ``wrapper_key``, spelled as the server sent it;
    - ``empty``: no body, or null;
    - ``object``: an object with no known wrapper key;
    - ``other``: a JSON string, number or boolean.
    """

    kind: str
    wrapper_key: str | None
    other_keys: tuple[str, ...]
    records: tuple[t.Mapping[str, t.Any], ...]

    def describe(self) -> str:
        if self.kind == "array":
            return "a bare JSON array"
        if self.kind == "wrapped":
            return f'an object with the array under "{self.wrapper_key}"'
        if self.kind == "empty":
            return "an empty body"
        if self.kind == "object":
            keys = ", ".join(self.other_keys) or "no keys"
            return f"an object with no known wrapper key (keys: {keys})"
        return "a JSON value that is neither an array nor an object"

    @property
    def readable(self) -> bool:
        """Tell whether _records.extract_list reads this shape."""
        return self.kind in ("array", "wrapped", "empty")

    def pagination_keys(self) -> list[str]:
        return [key for key in self.other_keys if key.lower() in PAGINATION_KEYS]


def list_shape(payload: t.Any) -> ListShape:
    """Classify a decoded list response the way _records.extract_list reads it."""
    if payload is None or payload == "":
        return ListShape("empty", None, (), ())
    if isinstance(payload, list):
        return ListShape("array", None, (), _mappings(payload))
    if isinstance(payload, dict):
        by_lower = {str(key).lower(): str(key) for key in payload}
        for wrapper in LIST_WRAPPER_KEYS:
            key = by_lower.get(wrapper)
            if key is not None and isinstance(payload[key], list):
                others = tuple(sorted(str(name) for name in payload if str(name) != key))
                return ListShape("wrapped", key, others, _mappings(payload[key]))
        return ListShape("object", None, tuple(sorted(str(name) for name in payload)), ())
    return ListShape("other", None, (), ())


def _mappings(items: list[t.Any]) -> tuple[t.Mapping[str, t.Any], ...]:
    return tuple(item for item in items if isinstance(item, dict))


# Field names and casing


class FieldGroup(t.NamedTuple):
    """One expected field: its documented name, the other names the code reads, and which
    records must carry it. ``required_when`` selects those records, and None selects all."""

    documented: str
    alternates: tuple[str, ...] = ()
    required_when: t.Callable[[Record], bool] | None = None
    condition: str = ""


class FieldReport(t.NamedTuple):
    """The expected fields that a set of records has and lacks.

    ``present`` maps each documented name to the name the server used, which may be an
    alternate or another casing. ``missing`` names fields that no record required
    to carry them had, and ``partial`` those that only some had. ``not_applicable`` names
    fields that no record was required to carry, such as ``revokedAt`` when nothing is
    revoked. ``extra`` lists the other field names seen.
    """

    present: dict[str, str]
    missing: list[str]
    partial: list[str]
    not_applicable: list[str]
    extra: list[str]
    casing: str

    def observed(self) -> dict[str, t.Any]:
        return {
            "missing_fields": self.missing,
            "fields_in_some_records": self.partial,
            "fields_not_applicable": self.not_applicable,
            "fields_under_other_names": {
                name: used for name, used in self.present.items() if used.lower() != name.lower()
            },
            "other_fields": self.extra,
            "key_casing": self.casing,
        }


def field_report(records: t.Sequence[t.Mapping[str, t.Any]], groups: t.Sequence[FieldGroup]) -> FieldReport:
    """Compare the field names of records with the expected groups, without regard to case."""
    present: dict[str, str] = {}
    missing: list[str] = []
    partial: list[str] = []
    not_applicable: list[str] = []
    known: set[str] = set()
    wrapped = [(record, Record(record), {str(key).lower(): str(key) for key in record}) for record in records]
    for group in groups:
        names = (group.documented, *group.alternates)
        known.update(name.lower() for name in names)
        required = [entry for entry in wrapped if group.required_when is None or group.required_when(entry[1])]
        if not required:
            not_applicable.append(group.documented)
            continue
        used = [_used_name(keys, names) for _raw, _record, keys in required]
        found = [name for name in used if name is not None]
        if not found:
            missing.append(group.documented)
            continue
        if len(found) < len(required):
            partial.append(group.documented)
        present[group.documented] = found[0]
    extra = sorted({key for _raw, _record, keys in wrapped for lower, key in keys.items() if lower not in known})
    return FieldReport(present, missing, partial, not_applicable, extra, key_casing(present))


def _used_name(keys: t.Mapping[str, str], names: t.Sequence[str]) -> str | None:
    for name in names:
        if name.lower() in keys:
            return keys[name.lower()]
    return None


def key_casing(used_names: t.Mapping[str, str]) -> str:
    """Name the casing of the keys a server used, judged on the documented names.

    Returns ``as documented`` (HARICA's camelCase such as ``transactionId`` and ``dN``),
    ``PascalCase``, ``lower case``, ``mixed``, or ``unknown`` when no name decides it.
    Only names the server used for the documented name itself count, not alternates.
    """
    styles = set()
    for documented, used in used_names.items():
        if used.lower() != documented.lower() or documented == documented.lower() == used:
            continue
        if used == documented:
            styles.add("as documented")
        elif used == documented[:1].upper() + documented[1:]:
            styles.add("PascalCase")
        elif used == documented.lower():
            styles.add("lower case")
        else:
            styles.add("other")
    if not styles:
        return "unknown"
    if len(styles) > 1:
        return "mixed"
    return styles.pop()


# Timestamps


def timestamp_format(value: t.Any) -> str:
    """Describe the format of a timestamp value, such as ``YYYY-MM-DDThh:mm:ss.fffffff``."""
    if isinstance(value, bool):
        return json_type(value)
    if isinstance(value, (int, float)):
        return f"a JSON number ({count_of(len(str(int(value))), 'digit')})"
    text = str(value)
    match = _TIMESTAMP_PARTS.match(text.strip())
    if not match:
        return short_word(re.sub(r"[0-9]", "9", text))
    pattern = "YYYY-MM-DD"
    if match["hour"]:
        pattern += f"{match['separator']}hh:mm"
    if match["second"]:
        pattern += ":ss"
    if match["fraction"]:
        pattern += match["point"] + "f" * len(match["fraction"])
    zone = match["zone"]
    if zone and zone.upper() == "Z":
        pattern += match["space"] + "Z"
    elif zone:
        pattern += match["space"] + zone[0] + ("hh:mm" if ":" in zone else "hhmm")
    return pattern


def timestamp_parses(value: t.Any) -> bool:
    """Tell whether _values.parse_timestamp reads the value."""
    try:
        parse_timestamp(value)
    except (TypeError, ValueError):
        return False
    return True


def timestamp_has_zone(value: t.Any) -> bool:
    match = _TIMESTAMP_PARTS.match(str(value).strip())
    return bool(match and match["zone"])


# Serial numbers


def serial_format(value: t.Any) -> str:
    """Describe how a serial is written, such as ``upper-case hex, 32 digits, no leading zeros``."""
    if not isinstance(value, str):
        return json_type(value)
    text = value.strip()
    parts = []
    digits = text
    if digits.lower().startswith("0x"):
        parts.append("0x prefix")
        digits = digits[2:]
    separators = sorted({_separator_name(char) for char in digits if _SERIAL_SEPARATORS.match(char)})
    digits = _SERIAL_SEPARATORS.sub("", digits)
    if not digits or not _HEX_DIGITS.match(digits):
        return "not hexadecimal"
    if digits.isdigit():
        case = "digits 0-9 only"
    elif digits == digits.upper():
        case = "upper-case hex"
    elif digits == digits.lower():
        case = "lower-case hex"
    else:
        case = "mixed-case hex"
    parts.insert(0, case)
    parts.append(count_of(len(digits), "digit"))
    parts.append("leading zeros" if len(digits) > 1 and digits.startswith("0") else "no leading zeros")
    parts.append(f"separated by {' and '.join(separators)}" if separators else "no separators")
    return ", ".join(parts)


def _separator_name(char: str) -> str:
    return {":": "colons", "-": "dashes"}.get(char, "spaces")


def serial_digits(value: t.Any) -> str | None:
    """Return the digits of a serial without prefix and separators, or None when not hex."""
    if isinstance(value, bool) or not isinstance(value, str):
        return None
    digits = value.strip()
    if digits.lower().startswith("0x"):
        digits = digits[2:]
    digits = _SERIAL_SEPARATORS.sub("", digits)
    return digits if digits and _HEX_DIGITS.match(digits) else None


# Subject alternative names


class SanLabels(t.NamedTuple):
    """The labels of a ``sANS`` value, such as ``DNS Name=``, and whether parse_sans reads them."""

    labels: tuple[str, ...]
    unknown: tuple[str, ...]
    form: str


def san_labels(value: t.Any) -> SanLabels:
    """List the labels of a ``sANS`` value, split into entries at commas as parse_sans does."""
    if isinstance(value, list):
        entries = [str(item) for item in value]
        form = "a JSON array"
    elif isinstance(value, str):
        entries = value.split(",")
        form = "one string"
    else:
        return SanLabels((), (), json_type(value))
    labels: list[str] = []
    unknown: list[str] = []
    for entry in entries:
        if not entry.strip():
            continue
        match = _SAN_LABEL.match(entry)
        label = f"{match['label']}{match['separator']}" if match else "no label"
        if label not in labels:
            labels.append(label)
        kind = match["label"].replace(" ", "").lower() if match else ""
        if kind not in KNOWN_SAN_KINDS and label not in unknown:
            unknown.append(label)
    return SanLabels(tuple(labels), tuple(unknown), form)


__all__ = (
    "KNOWN_SAN_KINDS",
    "MAX_SAMPLES",
    "MAX_WORD_LENGTH",
    "PAGINATION_KEYS",
    "FieldGroup",
    "FieldReport",
    "ListShape",
    "SanLabels",
    "count_of",
    "distinct_words",
    "field_report",
    "json_type",
    "key_casing",
    "list_shape",
    "san_labels",
    "serial_digits",
    "serial_format",
    "short_word",
    "timestamp_format",
    "timestamp_has_zone",
    "timestamp_parses",
    "word_list",
)
