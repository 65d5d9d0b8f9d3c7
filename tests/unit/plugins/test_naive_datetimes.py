"""A scan of plugins/ for datetime calls that return naive times.

Every timestamp of the collection is an aware UTC datetime, so a naive one compared with it
raises TypeError, or is read as local time and shifts the result by the zone offset. The
scan parses the source and flags the calls of the datetime module that return naive values.
"""

from __future__ import annotations

import ast
import typing as t
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[3] / "plugins"

# Methods that return a naive value whatever their arguments.
ALWAYS_NAIVE = ("utcnow", "utcfromtimestamp", "today")
# Methods that return a naive value unless a zone is given: (name, position of the tz argument).
NAIVE_WITHOUT_ZONE = {"now": 0, "fromtimestamp": 1}


def _on_datetime(call: ast.Call) -> bool:
    """Tell whether the call is a method of datetime.datetime or datetime.date, by its receiver's name.

    NOTE: a module imported under another name (``from datetime import datetime as dt``) is not recognised.
    """
    receiver = ast.unparse(call.func.value).rsplit(".", 1)[-1]  # type: ignore[attr-defined]
    return receiver in ("datetime", "date")


def _zone_argument(call: ast.Call, position: int) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "tz":
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def naive_calls(source: str, filename: str = "<source>") -> list[str]:
    """Return "file:line: call" for each call in the source that makes a naive datetime."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _on_datetime(node)):
            continue
        name = node.func.attr
        if name in ALWAYS_NAIVE:
            naive = True
        elif name in NAIVE_WITHOUT_ZONE:
            zone = _zone_argument(node, NAIVE_WITHOUT_ZONE[name])
            naive = zone is None or (isinstance(zone, ast.Constant) and zone.value is None)
        else:
            naive = False
        if naive:
            found.append(f"{filename}:{node.lineno}: {ast.unparse(node)}")
    return found


def plugin_files() -> t.Iterator[Path]:
    return iter(sorted(PLUGINS.rglob("*.py")))


def test_plugins_are_scanned():
    names = {path.name for path in plugin_files()}
    assert {"_values.py", "_client.py", "harica.py"} <= names


def test_plugins_make_no_naive_datetimes():
    found = [call for path in plugin_files() for call in naive_calls(path.read_text(), str(path))]
    assert found == [], "naive datetime calls; pass a zone such as datetime.timezone.utc, or use utc_now()"


@pytest.mark.parametrize(
    "call",
    [
        "datetime.datetime.now()",
        "datetime.now()",
        "datetime.datetime.now(None)",
        "datetime.datetime.utcnow()",
        "datetime.utcfromtimestamp(0)",
        "datetime.datetime.fromtimestamp(0)",
        "datetime.fromtimestamp(0, tz=None)",
        "datetime.date.today()",
        "datetime.datetime.today()",
    ],
)
def test_scan_flags_naive_call(call):
    assert naive_calls(f"value = {call}\n") == [f"<source>:1: {call}"]


@pytest.mark.parametrize(
    "call",
    [
        "datetime.datetime.now(datetime.timezone.utc)",
        "datetime.now(tz=UTC)",
        "datetime.fromtimestamp(0, UTC)",
        "datetime.datetime.fromtimestamp(0, tz=datetime.timezone.utc)",
        "clock.now()",
        "utc_now()",
    ],
)
def test_scan_accepts_aware_call(call):
    assert naive_calls(f"value = {call}\n") == []
