"""The demo flow and the read paths under each response-shape alternative of the simulator.

HARICA's response shapes are only partly documented, so the client must read every
plausible alternative the same way.
"""

from __future__ import annotations

import subprocess

import pytest

from conftest import ADMIN_KEY, REPOSITORY, seed_request

pytestmark = pytest.mark.shapes

SHAPES = [
    pytest.param({"list_wrapper": "certificates"}, id="wrapped-certificates"),
    pytest.param({"list_wrapper": "items"}, id="wrapped-items"),
    pytest.param({"list_wrapper": "results"}, id="wrapped-results"),
    pytest.param({"list_wrapper": "data"}, id="wrapped-data"),
    pytest.param({"key_case": "pascal"}, id="pascal-case"),
    pytest.param({"key_case": "lower"}, id="lower-case"),
    pytest.param({"cancelled_spelling": "Canceled"}, id="canceled"),
    pytest.param({"certificate_encoding": "der_base64"}, id="der-base64"),
    pytest.param({"serial_style": "lower_padded"}, id="lower-padded-serials"),
    pytest.param({"permission_denied": "status"}, id="status-403"),
]
SERVICE = "app.example.org"
DEMO_PLAYBOOK = str(REPOSITORY / "demo" / "approve.yml")
DEMO_TASK = "Accept the request for the service and install its certificate"


@pytest.mark.parametrize("shape", SHAPES)
def test_demo_playbook(world, run_playbook, shape):
    world.control.settings(**shape)
    transaction_id = seed_request(world, [SERVICE])
    certificates = world.tmp_path / "certificates"
    extra = {"service_name": SERVICE, "certificate_dir": str(certificates)}
    first = run_playbook(DEMO_PLAYBOOK, extra=extra)
    assert first.returncode == 0, first.output
    approval = first.task(DEMO_TASK)
    assert approval["changed"] is True
    assert approval["request"]["transaction_id"] == transaction_id
    assert approval["request"]["names"] == [SERVICE]
    assert approval["request"]["requested_at"].endswith("Z")
    serial = approval["request"]["serial_number"]
    assert serial == serial.upper().lstrip("0")
    verified = subprocess.run(
        ["openssl", "verify", "-CAfile", world.simulator.root_ca, "-untrusted",
         str(certificates / f"{SERVICE}.chain.crt"), str(certificates / f"{SERVICE}.crt")],
        capture_output=True, text=True, check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    second = run_playbook(DEMO_PLAYBOOK, extra=extra)
    assert second.returncode == 0, second.output
    assert second.task(DEMO_TASK)["changed"] is False
    assert second.posts() == []


@pytest.mark.parametrize("shape", SHAPES)
def test_read_paths(world, run_playbook, shape):
    world.control.settings(**shape)
    cancelled = seed_request(world, ["gone.example.org"])
    pending = seed_request(world, ["new.example.org"])
    assert run_playbook(extra={"transaction_id": cancelled, "state": "cancelled"}).returncode == 0

    again = run_playbook(extra={"domains": ["gone.example.org"], "state": "cancelled"})
    assert again.returncode == 0, again.output
    assert again.outcome["result"] == "already_cancelled"
    assert again.outcome["request"]["status"] == "cancelled"

    check = run_playbook(extra={"domains": ["new.example.org"]}, check=True)
    assert check.outcome["changed"] is True
    assert check.outcome["request"]["transaction_id"] == pending
    assert check.posts() == []

    refused = run_playbook(extra={"transaction_id": pending}, api_key=ADMIN_KEY)
    assert refused.returncode != 0
    assert "needs the SSL Enterprise Approver role" in refused.outcome["msg"]
