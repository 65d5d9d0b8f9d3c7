# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Read the records of a JSON list answer one at a time, as the bytes arrive.

A list of 100,000 certificates with their PEMs is hundreds of megabytes of JSON. Parsing
it element by element keeps only one record in memory at a time, beside what the caller
keeps of it. The answer may be a bare array, or an object that wraps the array under one
of the given keys.
"""

from __future__ import annotations

import codecs
import json
import typing as t

_WHITESPACE = " \t\r\n"
_DECODER = json.JSONDecoder()


class StreamError(ValueError):
    """The bytes are not a JSON list of the expected shape."""


class _Reader:
    """Text from byte chunks, with a cursor; text before the cursor is dropped as it goes."""

    def __init__(self, chunks: t.Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.position = 0
        self.ended = False

    def more(self) -> bool:
        """Read one more chunk; return False at the end of the input."""
        if self.ended:
            return False
        for chunk in self._chunks:
            if chunk:
                self.text = self.text[self.position :] + self._decoder.decode(chunk)
                self.position = 0
                return True
        self.text = self.text[self.position :] + self._decoder.decode(b"", final=True)
        self.position = 0
        self.ended = True
        return bool(self.text)

    def peek(self) -> str:
        """Return the next character that is not whitespace, or "" at the end."""
        while True:
            while self.position < len(self.text) and self.text[self.position] in _WHITESPACE:
                self.position += 1
            if self.position < len(self.text):
                return self.text[self.position]
            if not self.more():
                return ""

    def expect(self, character: str) -> None:
        found = self.peek()
        if found != character:
            raise StreamError(f"expected {character!r} but found {found or 'the end'!r}")
        self.position += 1

    def value(self) -> t.Any:
        """Decode the next whole JSON value, reading more chunks until it is complete."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.position)
            except json.JSONDecodeError:
                if not self.more():
                    raise StreamError("the JSON ends inside a value") from None
                continue
            # A number at the end of the text may continue in the next chunk.
            if end == len(self.text) and not self.ended and self.more():
                continue
            self.position = end
            return value


def iter_list(chunks: t.Iterable[bytes], wrapper_keys: t.Collection[str]) -> t.Iterator[t.Any]:
    """Yield the elements of a JSON array, bare or under a wrapper key, as they arrive.

    An empty answer yields nothing. An object without a wrapper key holding an array
    raises StreamError.
    """
    reader = _Reader(chunks)
    first = reader.peek()
    if first == "":
        return
    if first == "[":
        yield from _elements(reader)
        return
    if first != "{":
        raise StreamError(f"expected a list, found {first!r}")
    reader.expect("{")
    keys = []
    while reader.peek() != "}":
        key = reader.value()
        keys.append(key)
        reader.expect(":")
        if str(key).lower() in wrapper_keys and reader.peek() == "[":
            yield from _elements(reader)
            return
        reader.value()
        if reader.peek() == ",":
            reader.position += 1
    raise StreamError(f"an object with the keys {keys} holds no list")


def _elements(reader: _Reader) -> t.Iterator[t.Any]:
    reader.expect("[")
    if reader.peek() == "]":
        reader.position += 1
        return
    while True:
        yield reader.value()
        separator = reader.peek()
        reader.position += 1
        if separator == "]":
            return
        if separator != ",":
            raise StreamError(f"expected ',' or ']' between list elements, found {separator or 'the end'!r}")


__all__ = ("StreamError", "iter_list")
