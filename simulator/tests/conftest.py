"""Fixtures: one real simulator (HTTPS, free port) for the session, reset before each test."""

from __future__ import annotations

import pytest

from harica_simulator.testing import Control, RunningSimulator, start_simulator
from email_support import REQUEST_TYPES, EmailDesk, open_desk
from sim_support import ADMIN_KEY, APPROVER, APPROVER_KEY, HaricaClient, World


@pytest.fixture(scope="session")
def simulator(tmp_path_factory) -> RunningSimulator:
    with start_simulator(tmp_path_factory.mktemp("simulator")) as running:
        yield running


@pytest.fixture
def control(simulator) -> Control:
    client = Control(simulator.url, simulator.tls_ca)
    client.reset()
    return client


@pytest.fixture
def world(simulator, control) -> World:
    enterprise = control.create_enterprise("Example University", ["example.org"])
    control.create_user(APPROVER, ["ssl_approver"], name="Approver Person", api_key=APPROVER_KEY)
    control.create_user("admin@example.org", ["enterprise_admin"], api_key=ADMIN_KEY)
    return World(
        control=control,
        simulator=simulator,
        organization_id=enterprise["organization_id"],
        approver=HaricaClient(simulator, APPROVER_KEY),
        admin=HaricaClient(simulator, ADMIN_KEY),
    )


@pytest.fixture(params=REQUEST_TYPES)
def desk(request, world) -> EmailDesk:
    """An approver of S/MIME requests, then of client-auth requests (one run each)."""
    return open_desk(world, request.param)
