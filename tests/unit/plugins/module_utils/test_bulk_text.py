"""Tests of the wording helpers of the bulk messages."""

from __future__ import annotations

import pytest

from ansible_collections.harica.certmanager.plugins.module_utils._bulk_text import count, one_line, row_numbers


@pytest.mark.parametrize("number, expected", [(0, "0 rows"), (1, "1 row"), (2, "2 rows")])
def test_count_agrees_with_number(number, expected):
    assert count(number, "row") == expected


@pytest.mark.parametrize("numbers, expected", [([3], "row 3"), ([3, 4], "rows 3 and 4"),
                                               ([3, 4, 7], "rows 3, 4 and 7")])
def test_row_numbers_phrase(numbers, expected):
    assert row_numbers(numbers) == expected


@pytest.mark.parametrize("line_break", ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85",
                                        "\u2028", "\u2029"])
def test_one_line_escapes_line_break(line_break):
    text = one_line(f"before{line_break}after")
    assert text.splitlines() == [text]
    assert text == f"before{repr(line_break)[1:-1]}after"


def test_one_line_keeps_other_text():
    assert one_line("missing; the profile needs: given_name, surname\t(tab)") == (
        "missing; the profile needs: given_name, surname\t(tab)")
