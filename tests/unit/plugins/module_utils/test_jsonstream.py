"""Tests of the streaming reader of JSON list answers."""

from __future__ import annotations

import json

import pytest

from ansible_collections.harica.certmanager.plugins.module_utils._jsonstream import StreamError, iter_list

WRAPPERS = ("items", "data", "certificates")
RECORDS = [{"serial": "A1", "name": "Γιώργος", "n": 12345}, {"serial": "B2", "nested": {"list": [1, 2, {"x": "]"}]}},
           17, "text, with [brackets] and \"quotes\"", None]


def chunked(data: bytes, size: int):
    return [data[start : start + size] for start in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 100000])
def test_bare_array_any_chunking(size):
    data = json.dumps(RECORDS, ensure_ascii=False).encode("utf-8")
    assert list(iter_list(chunked(data, size), WRAPPERS)) == RECORDS


@pytest.mark.parametrize("size", [1, 5, 1000])
def test_wrapped_array(size):
    payload = {"total": 5, "meta": {"items": "not this"}, "Items": RECORDS, "after": [1, 2]}
    data = json.dumps(payload).encode("utf-8")
    assert list(iter_list(chunked(data, size), WRAPPERS)) == RECORDS


def test_number_split_across_chunks():
    assert list(iter_list([b"[12", b"34, 5", b"6]"], WRAPPERS)) == [1234, 56]


@pytest.mark.parametrize("data", [b"", b"   ", b"[]", b" [ ] "])
def test_empty(data):
    assert list(iter_list([data], WRAPPERS)) == []


def test_elements_arrive_before_the_end():
    def chunks():
        yield b'[{"a": 1},'
        yield b'{"a": 2}'
        raise AssertionError("read past the second element before yielding the first")

    stream = iter_list(chunks(), WRAPPERS)
    assert next(stream) == {"a": 1}


@pytest.mark.parametrize(
    "data, phrase",
    [
        (b'{"count": 3}', "holds no list"),
        (b'"text"', "expected a list"),
        (b'[{"a": 1} {"a": 2}]', "expected ',' or ']'"),
        (b'[{"a": 1}, {"a": ', "ends inside a value"),
        (b'[{"a": 1}', "expected ',' or ']'"),
    ],
)
def test_invalid(data, phrase):
    with pytest.raises(StreamError, match=phrase):
        list(iter_list([data], WRAPPERS))
