"""Tests of the classifiers that describe HARICA responses for the API check."""

from __future__ import annotations

import pytest

from ansible_collections.harica.certmanager.plugins.module_utils._api_check_formats import (
    MAX_SAMPLES,
    MAX_WORD_LENGTH,
    FieldGroup,
    count_of,
    distinct_words,
    field_report,
    key_casing,
    list_shape,
    san_labels,
    serial_digits,
    serial_format,
    short_word,
    timestamp_format,
    timestamp_has_zone,
    timestamp_parses,
    word_list,
)

# List shapes


def test_shape_bare_array():
    shape = list_shape([{"a": 1}, "not a record", {"b": 2}])
    assert shape.kind == "array"
    assert shape.records == ({"a": 1}, {"b": 2})
    assert shape.readable


def test_shape_wrapped_keeps_server_spelling():
    shape = list_shape({"Items": [{"a": 1}], "TotalCount": 1})
    assert shape.kind == "wrapped"
    assert shape.wrapper_key == "Items"
    assert shape.other_keys == ("TotalCount",)
    assert shape.pagination_keys() == ["TotalCount"]
    assert shape.describe() == 'an object with the array under "Items"'


def test_shape_wrapper_order_follows_client():
    shape = list_shape({"data": [{"a": 1}], "certificates": [{"b": 2}]})
    assert shape.wrapper_key == "certificates"


def test_shape_wrapper_must_hold_list():
    shape = list_shape({"items": {"a": 1}})
    assert shape.kind == "object"
    assert not shape.readable
    assert shape.describe() == "an object with no known wrapper key (keys: items)"


@pytest.mark.parametrize("payload", [None, ""])
def test_shape_empty(payload):
    shape = list_shape(payload)
    assert shape.kind == "empty"
    assert shape.readable
    assert shape.records == ()


@pytest.mark.parametrize("payload", ["text", 3, True])
def test_shape_other(payload):
    shape = list_shape(payload)
    assert shape.kind == "other"
    assert not shape.readable


def test_shape_no_pagination_keys():
    assert list_shape({"items": [], "version": 2}).pagination_keys() == []


# Field names


GROUPS = (
    FieldGroup("transactionId", ("id",)),
    FieldGroup("userEmail", ("email",)),
    FieldGroup("reviewedAt", (), lambda record: record.get("transactionStatus") != "Pending", "reviewed"),
    FieldGroup("dN"),
)


def test_fields_all_present():
    records = [{"transactionId": "1", "userEmail": "x", "reviewedAt": None, "transactionStatus": "Ready", "dN": "CN=a"}]
    report = field_report(records, GROUPS)
    assert report.missing == []
    assert report.partial == []
    assert report.not_applicable == []
    assert report.extra == ["transactionStatus"]
    assert report.casing == "as documented"


def test_fields_missing_partial_and_alternate():
    records = [
        {"id": "1", "userEmail": "x", "transactionStatus": "Pending"},
        {"id": "2", "transactionStatus": "Pending"},
    ]
    report = field_report(records, GROUPS)
    assert report.missing == ["dN"]
    assert report.partial == ["userEmail"]
    assert report.not_applicable == ["reviewedAt"]
    assert report.present["transactionId"] == "id"
    assert report.observed()["fields_under_other_names"] == {"transactionId": "id"}


def test_fields_conditional_required():
    records = [{"transactionId": "1", "userEmail": "x", "dN": "y", "transactionStatus": "Completed"}]
    report = field_report(records, GROUPS)
    assert report.missing == ["reviewedAt"]


def test_fields_case_insensitive():
    records = [{"TransactionId": "1", "UserEmail": "x", "DN": "y"}]
    report = field_report(records, GROUPS[:2] + GROUPS[3:])
    assert report.missing == []
    assert report.casing == "PascalCase"
    assert report.observed()["fields_under_other_names"] == {}


def test_casing_styles():
    assert key_casing({"transactionId": "transactionId", "dN": "dN"}) == "as documented"
    assert key_casing({"transactionId": "TransactionId", "dN": "DN"}) == "PascalCase"
    assert key_casing({"transactionId": "transactionid"}) == "lower case"
    assert key_casing({"transactionId": "TRANSACTIONID"}) == "other"
    assert key_casing({"transactionId": "transactionId", "userEmail": "UserEmail"}) == "mixed"


def test_casing_ignores_one_word_and_alternates():
    assert key_casing({"user": "user", "transactionId": "id"}) == "unknown"
    assert key_casing({"user": "User"}) == "PascalCase"


# Timestamps


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2030-01-01T00:00:00.0000000", "YYYY-MM-DDThh:mm:ss.fffffff"),
        ("2030-01-01T00:00:00", "YYYY-MM-DDThh:mm:ss"),
        ("2030-01-01T00:00:00.123Z", "YYYY-MM-DDThh:mm:ss.fffZ"),
        ("2030-01-01T00:00:00+02:00", "YYYY-MM-DDThh:mm:ss+hh:mm"),
        ("2030-01-01 00:00:00 -0500", "YYYY-MM-DD hh:mm:ss -hhmm"),
        ("2030-01-01T00:00", "YYYY-MM-DDThh:mm"),
        ("2030-01-01", "YYYY-MM-DD"),
        ("/Date(1893456000000)/", "/Date(9999999999999)/"),
        ("01/02/2030 10:00", "99/99/9999 99:99"),
        (1893456000, "a JSON number (10 digits)"),
        (True, "a JSON boolean"),
    ],
)
def test_timestamp_format(value, expected):
    assert timestamp_format(value) == expected


def test_timestamp_parses():
    assert timestamp_parses("2030-01-01T00:00:00.123456789")
    assert timestamp_parses("2030-01-01T00:00:00Z")
    assert not timestamp_parses("/Date(1893456000000)/")
    assert not timestamp_parses("01/02/2030")


def test_timestamp_zone():
    assert timestamp_has_zone("2030-01-01T00:00:00Z")
    assert timestamp_has_zone("2030-01-01T00:00:00+01:00")
    assert not timestamp_has_zone("2030-01-01T00:00:00.0000000")


# Serials


@pytest.mark.parametrize(
    "value, expected",
    [
        ("6084688A1C3A", "upper-case hex, 12 digits, no leading zeros, no separators"),
        ("006084688a1c3a", "lower-case hex, 14 digits, leading zeros, no separators"),
        ("60:84:68:8a", "lower-case hex, 8 digits, no leading zeros, separated by colons"),
        ("0x6084Ab", "mixed-case hex, 0x prefix, 6 digits, no leading zeros, no separators"),
        ("60 84-68", "digits 0-9 only, 6 digits, no leading zeros, separated by dashes and spaces"),
        ("0", "digits 0-9 only, 1 digit, no leading zeros, no separators"),
        ("serial-xyz", "not hexadecimal"),
        (12345, "a JSON number"),
        (None, "null"),
        (True, "a JSON boolean"),
    ],
)
def test_serial_format(value, expected):
    assert serial_format(value) == expected


def test_serial_digits():
    assert serial_digits("0x00:AB") == "00AB"
    assert serial_digits("xyz") is None
    assert serial_digits(12) is None


# sANS


def test_san_labels_harica_form():
    labels = san_labels("DNS Name=a.example.org, RFC822 Name=x@example.org, DNS Name=b.example.org")
    assert labels.labels == ("DNS Name=", "RFC822 Name=")
    assert labels.unknown == ()
    assert labels.form == "one string"


def test_san_labels_unknown_and_unlabelled():
    labels = san_labels("IP Address=192.0.2.1, plain.example.org")
    assert labels.labels == ("IP Address=", "no label")
    assert labels.unknown == ("IP Address=", "no label")


def test_san_labels_array():
    labels = san_labels(["DNS:a.example.org", "email:x@example.org"])
    assert labels.form == "a JSON array"
    assert labels.labels == ("DNS:", "email:")
    assert labels.unknown == ()


def test_san_labels_other_type():
    assert san_labels({"dns": []}).form == "a JSON object"


# Words


def test_short_word_truncates():
    word = short_word("x" * 100)
    assert len(word) == MAX_WORD_LENGTH
    assert word.endswith("...")
    assert short_word(" two\n words ") == "two words"


def test_distinct_words_limits():
    words = distinct_words([f"w{number}" for number in range(30)] + [None, ""])
    assert len(words) == MAX_SAMPLES
    assert distinct_words(["Pending", "Pending", None, "Ready"]) == ["Pending", "Ready"]


def test_count_and_list():
    assert count_of(1, "record") == "1 record"
    assert count_of(0, "record") == "0 records"
    assert word_list(["a"]) == "a"
    assert word_list(["a", "b", "c"], "or") == "a, b or c"
    assert word_list([]) == ""
