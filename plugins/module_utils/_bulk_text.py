# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Wording helpers of the bulk messages: counted nouns, row numbers and one-line texts."""

from __future__ import annotations

import typing as t

# The characters at which str.splitlines() breaks a line, each mapped to its escape as repr() writes it.
_LINE_BREAKS = {ord(character): repr(character)[1:-1]
                for character in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


def count(number: int, noun: str) -> str:
    """Return a number with its noun in the singular or plural: "1 row", "2 rows"."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def row_numbers(numbers: t.Sequence[int]) -> str:
    """Return row numbers as a phrase: "row 3", "rows 3 and 4", "rows 3, 4 and 7"."""
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    return f"rows {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"


def one_line(text: str) -> str:
    """Escape every line break in ``text``, so that a message can give one problem per line.

    Problems can contain values from the user or from HARICA, which may contain line
    breaks. They are written as ``\\n``, ``\\r``, ``\\x85`` and so on, as repr() writes them.
    """
    return text.translate(_LINE_BREAKS)


__all__ = ("count", "one_line", "row_numbers")
