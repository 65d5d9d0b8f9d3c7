"""Re-encoding of a DER PKCS#7 SignedData with BER indefinite lengths.

Some HARICA bulk responses carry PKCS#7 files whose outer constructed elements use the
BER indefinite-length form (length octet 0x80, contents ended by two zero octets,
X.690 section 8.1.3.6) instead of DER definite lengths. `indefinite_lengths` produces
that form from the DER file, so clients can be tested against it.
"""

from __future__ import annotations

from dataclasses import dataclass

CONSTRUCTED = 0x20
INDEFINITE_LENGTH = b"\x80"
END_OF_CONTENTS = b"\x00\x00"
# Levels re-encoded by default: ContentInfo, its [0] wrapper, SignedData, and the
# children of SignedData (digestAlgorithms, encapContentInfo, certificates,
# signerInfos). The certificates themselves stay DER, so their signatures still hold.
DEFAULT_LEVELS = 4


@dataclass
class Element:
    """One DER element: its identifier octets and the bounds of its contents in the data."""

    identifier: bytes
    start: int
    end: int

    @property
    def constructed(self) -> bool:
        return bool(self.identifier[0] & CONSTRUCTED)


def read_element(data: bytes, offset: int) -> Element:
    """Read the identifier and definite length of the element at `offset`. Raises ValueError when malformed."""
    position = offset + 1
    if data[offset] & 0x1F == 0x1F:
        while data[position] & 0x80:
            position += 1
        position += 1
    identifier = data[offset:position]
    first = data[position]
    position += 1
    if first == 0x80:
        raise ValueError(f"element at offset {offset} already has an indefinite length")
    if first & 0x80:
        count = first & 0x7F
        length = int.from_bytes(data[position : position + count], "big")
        position += count
    else:
        length = first
    if position + length > len(data):
        raise ValueError(f"element at offset {offset} runs past the end of the data")
    return Element(identifier, position, position + length)


def _children(data: bytes, element: Element) -> list[tuple[int, int]]:
    """Return (start, end) offsets of each element inside a constructed element."""
    children = []
    offset = element.start
    while offset < element.end:
        child = read_element(data, offset)
        children.append((offset, child.end))
        offset = child.end
    return children


def _encode(data: bytes, offset: int, levels: int) -> bytes:
    element = read_element(data, offset)
    if levels == 0 or not element.constructed:
        return data[offset : element.end]
    parts = [element.identifier, INDEFINITE_LENGTH]
    for child_start, _ in _children(data, element):
        parts.append(_encode(data, child_start, levels - 1))
    parts.append(END_OF_CONTENTS)
    return b"".join(parts)


def indefinite_lengths(der: bytes, levels: int = DEFAULT_LEVELS) -> bytes:
    """Return `der` with its constructed elements down to `levels` deep in indefinite-length form."""
    top = read_element(der, 0)
    if top.end != len(der):
        raise ValueError("trailing data after the DER element")
    return _encode(der, 0, levels)
