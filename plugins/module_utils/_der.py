# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Re-encode BER with indefinite lengths as definite-length DER (X.690, section 8.1.3).

HARICA's bulk zips may hold PKCS#7 files whose constructed elements use indefinite
lengths, which a strict DER reader rejects. Only lengths are changed; tags and contents
are kept, so the certificates inside stay byte for byte the same.
"""

from __future__ import annotations

_INDEFINITE = 0x80
_END_OF_CONTENTS = b"\x00\x00"
_MAX_DEPTH = 64


def ber_to_der(data: bytes) -> bytes:
    """Return ``data`` with every indefinite length replaced by its definite length."""
    encoded, end = _element(data, 0, 0)
    if end != len(data):
        raise ValueError(f"{len(data) - end} bytes follow the outer element")
    return encoded


def _element(data: bytes, position: int, depth: int) -> tuple[bytes, int]:
    if depth > _MAX_DEPTH:
        raise ValueError("elements are nested too deeply")
    tag, position = _tag(data, position)
    constructed = bool(tag[0] & 0x20)
    first = _byte(data, position)
    position += 1
    if first == _INDEFINITE:
        if not constructed:
            raise ValueError("a primitive element has an indefinite length")
        parts = []
        while data[position : position + 2] != _END_OF_CONTENTS:
            part, position = _element(data, position, depth + 1)
            parts.append(part)
        content, position = b"".join(parts), position + 2
    else:
        length, position = _length(data, position, first)
        end = position + length
        if end > len(data):
            raise ValueError("an element is longer than the data")
        content = _children(data, position, end, depth) if constructed else data[position:end]
        position = end
    return tag + _encode_length(len(content)) + content, position


def _children(data: bytes, position: int, end: int, depth: int) -> bytes:
    parts = []
    while position < end:
        part, position = _element(data, position, depth + 1)
        parts.append(part)
    if position != end:
        raise ValueError("a child element runs past its parent")
    return b"".join(parts)


def _tag(data: bytes, position: int) -> tuple[bytes, int]:
    start = position
    first = _byte(data, position)
    position += 1
    if first & 0x1F == 0x1F:
        while _byte(data, position) & 0x80:
            position += 1
        position += 1
    return data[start:position], position


def _length(data: bytes, position: int, first: int) -> tuple[int, int]:
    if not first & 0x80:
        return first, position
    count = first & 0x7F
    if count == 0 or count > 8 or position + count > len(data):
        raise ValueError("an element has an invalid length")
    return int.from_bytes(data[position : position + count], "big"), position + count


def _encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


def _byte(data: bytes, position: int) -> int:
    if position >= len(data):
        raise ValueError("the data ends inside an element")
    return data[position]


__all__ = ("ber_to_der",)
