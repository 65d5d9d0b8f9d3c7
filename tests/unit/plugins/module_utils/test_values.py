"""Tests of the normalised forms: serials, timestamps, days remaining and DNS names."""

from __future__ import annotations

import datetime
import os
import time

import pytest

from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaInputError
from ansible_collections.harica.certmanager.plugins.module_utils._values import (
    days_remaining,
    format_serial,
    format_timestamp,
    normalize_dns_name,
    normalize_serial,
    parse_dns_names,
    parse_serial,
    parse_timestamp,
)

UTC = datetime.timezone.utc

# Serial numbers

SAME_SERIAL = 0x1F00AB


@pytest.mark.parametrize(
    "text, serial_format",
    [
        ("1F00AB", None),
        ("1f00ab", None),
        ("001F00AB", None),
        ("0x1F00AB", None),
        ("0X1f00ab", None),
        ("1F:00:AB", None),
        ("1f:00:ab", None),
        (" 1F 00 AB ", None),
        ("1F00AB", "hex"),
        ("2031787", "decimal"),
    ],
)
def test_parse_serial_forms(text, serial_format):
    assert parse_serial(text, serial_format=serial_format) == SAME_SERIAL


def test_parse_serial_digits_with_hex_format():
    assert parse_serial("1234", serial_format="hex") == 0x1234


def test_parse_serial_digits_with_colons_are_hex():
    assert parse_serial("12:34:56") == 0x123456


def test_parse_serial_ambiguous_digits():
    with pytest.raises(HaricaInputError) as info:
        parse_serial("1234", option="serial_numbers")
    assert "serial_numbers '1234' is ambiguous" in info.value.message
    assert "serial_format" in info.value.message


@pytest.mark.parametrize("value", [31, 12, 45296, 1.5, True, None, ["1F"]])
def test_parse_serial_rejects_non_strings(value):
    with pytest.raises(HaricaInputError, match="quote the serial"):
        parse_serial(value)


def test_parse_serial_hex_with_decimal_format():
    with pytest.raises(HaricaInputError, match="serial_format is decimal"):
        parse_serial("0x1F", serial_format="decimal")


@pytest.mark.parametrize("value", ["", "0x", "12G4", "::", "serial"])
def test_parse_serial_rejects_garbage(value):
    with pytest.raises(HaricaInputError, match="is not a serial number"):
        parse_serial(value)


def test_format_serial_has_no_leading_zeros():
    assert format_serial(0x00AB) == "AB"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("00a1b2c3", "A1B2C3"),
        ("A1:B2:C3", "A1B2C3"),
        ("0000000000000000000000000000a1b2", "A1B2"),
        (0xA1B2, "A1B2"),
        (None, None),
        ("", None),
    ],
)
def test_normalize_serial_from_server(value, expected):
    assert normalize_serial(value) == expected


# Timestamps


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2030-01-01T00:00:00", datetime.datetime(2030, 1, 1, tzinfo=UTC)),
        ("2030-01-01T00:00:00.0000000", datetime.datetime(2030, 1, 1, tzinfo=UTC)),
        ("2030-01-01T12:30:45.1234567", datetime.datetime(2030, 1, 1, 12, 30, 45, 123456, tzinfo=UTC)),
        ("2030-01-01T12:30:45.123456789", datetime.datetime(2030, 1, 1, 12, 30, 45, 123456, tzinfo=UTC)),
        ("2030-01-01T12:30:45.5", datetime.datetime(2030, 1, 1, 12, 30, 45, 500000, tzinfo=UTC)),
        ("2030-01-01 12:30", datetime.datetime(2030, 1, 1, 12, 30, tzinfo=UTC)),
        ("2030-01-01", datetime.datetime(2030, 1, 1, tzinfo=UTC)),
        ("2030-01-01T12:30:45Z", datetime.datetime(2030, 1, 1, 12, 30, 45, tzinfo=UTC)),
        ("2030-01-01T14:30:45+02:00", datetime.datetime(2030, 1, 1, 12, 30, 45, tzinfo=UTC)),
        ("2030-01-01T07:30:45-0500", datetime.datetime(2030, 1, 1, 12, 30, 45, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_forms(text, expected):
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed.tzinfo is not None


def test_parse_timestamp_absent():
    assert parse_timestamp(None) is None
    assert parse_timestamp("") is None


def test_parse_timestamp_naive_datetime_is_utc():
    parsed = parse_timestamp(datetime.datetime(2030, 1, 1, 8, 0))
    assert parsed == datetime.datetime(2030, 1, 1, 8, 0, tzinfo=UTC)


def test_parse_timestamp_rejects_unknown_format():
    with pytest.raises(ValueError, match="unknown timestamp format"):
        parse_timestamp("01/02/2030")


def test_format_timestamp():
    value = datetime.datetime(2030, 1, 1, 14, 30, 45, 999, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert format_timestamp(value) == "2030-01-01T12:30:45Z"
    assert format_timestamp(None) is None


@pytest.mark.parametrize(
    "not_after, expected",
    [
        ("2030-01-11T00:00:00", 10),
        ("2030-01-10T23:59:59", 9),
        ("2030-01-01T00:00:01", 0),
        ("2029-12-31T23:59:59", -1),
        ("2029-12-30T00:00:00", -2),
    ],
)
def test_days_remaining_rounds_down(not_after, expected):
    now = datetime.datetime(2030, 1, 1, tzinfo=UTC)
    assert days_remaining(parse_timestamp(not_after), now=now) == expected


def test_days_remaining_ignores_local_zone(monkeypatch):
    now = datetime.datetime(2030, 1, 1, 0, 30, tzinfo=UTC)
    results = []
    for zone in ("UTC", "Asia/Tokyo", "America/Los_Angeles"):
        monkeypatch.setenv("TZ", zone)
        if hasattr(time, "tzset"):
            time.tzset()
        results.append(days_remaining(parse_timestamp("2030-01-02T00:00:00"), now=now))
    monkeypatch.delenv("TZ")
    if hasattr(time, "tzset"):
        time.tzset()
    assert results == [0, 0, 0]
    assert os.environ.get("TZ") is None


def test_days_remaining_absent():
    assert days_remaining(None, now=datetime.datetime(2030, 1, 1, tzinfo=UTC)) is None


# DNS names


@pytest.mark.parametrize(
    "name, expected",
    [
        ("WWW.Example.ORG", "www.example.org"),
        ("example.org.", "example.org"),
        (" example.org ", "example.org"),
        ("*.Example.org", "*.example.org"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("ΠΑΡΆΔΕΙΓΜΑ.gr.", "xn--hxajbheg2az3al.gr"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_normalize_dns_name(name, expected):
    assert normalize_dns_name(name) == expected


def test_parse_dns_names_rejects_empty_entries():
    with pytest.raises(HaricaInputError, match="domains contains '.'"):
        parse_dns_names(["example.org", "."], option="domains")


def test_parse_dns_names_rejects_non_strings():
    with pytest.raises(HaricaInputError, match="domains contains 5"):
        parse_dns_names([5], option="domains")


def test_parse_serial_names_the_type():
    with pytest.raises(HaricaInputError, match="serial_number 31 is a number, not a string"):
        parse_serial(31)
