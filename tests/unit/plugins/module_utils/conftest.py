"""Fixtures: a scripted loopback HTTP(S) server and a throwaway CA for it."""

from __future__ import annotations

import socket
import typing as t

import pytest

from ansible_collections.harica.certmanager.tests.unit.utils.scripted_server import (
    LocalCA,
    ScriptedServer,
    make_local_ca,
)


@pytest.fixture
def server() -> t.Iterator[ScriptedServer]:
    running = ScriptedServer()
    yield running
    running.stop()


@pytest.fixture
def local_ca(tmp_path: t.Any) -> LocalCA:
    return make_local_ca(str(tmp_path))


@pytest.fixture
def tls_server(local_ca: LocalCA) -> t.Iterator[ScriptedServer]:
    running = ScriptedServer(local_ca.context)
    yield running
    running.stop()


@pytest.fixture
def closed_port() -> int:
    """Return a loopback port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
