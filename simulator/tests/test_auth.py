"""API keys, roles, the login redirect, the 403 form and the 501 fallback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from harica_simulator.testing import ControlError

from sim_support import ADMIN_KEY, APPROVER_KEY

SSL_LIST = "/cm/v1/enterprise/requests/ssl"


def test_missing_key_is_401(world):
    response = world.client(None).get(SSL_LIST)

    assert response.status_code == 401
    assert "X-API-Key" in response.json()["message"]


def test_unknown_key_is_401(world):
    response = world.client("not-a-key").get(SSL_LIST)

    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/json")
    assert "Invalid API key" in response.json()["message"]


def test_unknown_path_without_key_is_401(world):
    assert world.client(None).get("/cm/v1/admin/enterprises").status_code == 401


def test_missing_role_redirects_to_login(world):
    response = world.admin.get(SSL_LIST)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?ReturnUrl=%2Fcm%2Fv1%2Fenterprise%2Frequests%2Fssl"


def test_admin_path_rejects_approver(world):
    response = world.approver.get("/cm/v1/admin/certificates")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?ReturnUrl=")


def test_login_page_is_html(world):
    response = world.client(None).get("/login?ReturnUrl=%2Fcm%2Fv1")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<form" in response.text


def test_missing_role_with_status_setting_is_403(world):
    world.control.settings(permission_denied="status")

    response = world.admin.post("/cm/v1/enterprise/accept/ssl", {"transactionId": "x"})

    assert response.status_code == 403
    assert "ssl_approver" in response.json()["message"]


@pytest.mark.parametrize("path", ["/cm/v1/enterprise/requests/smime", "/cm/v1/enterprise/accept/clientauth"])
def test_other_approver_roles_are_separate(world, path):
    world.control.settings(permission_denied="status")

    response = world.approver.get(path)

    assert response.status_code == 403
    assert "approver" in response.json()["message"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/cm/v1/admin/groups"),
        ("POST", "/cm/v1/admin/revoke/other"),
        ("POST", "/cm/v1/bulk/create/ssl"),
        ("GET", "/cm/v1/something/else"),
    ],
)
def test_unimplemented_path_is_501(world, method, path):
    response = world.admin.session.request(method, world.admin.url + path, verify=world.admin.verify, timeout=30)

    assert response.status_code == 501
    assert response.json() == {"message": f"Not implemented by the simulator: {method} {path}"}


def test_wrong_method_on_known_path_is_501(world):
    response = world.approver.post(SSL_LIST, {})

    assert response.status_code == 501
    assert response.json()["message"] == f"Not implemented by the simulator: POST {SSL_LIST}"


def test_user_with_both_roles(world):
    world.control.create_user("both@example.org", ["ssl_approver", "enterprise_admin"], api_key="both-key")
    client = world.client("both-key")

    assert client.get(SSL_LIST).status_code == 200
    assert client.get("/cm/v1/admin/users").status_code == 200


def test_extra_api_key_works(world):
    added = world.control.add_api_key("approver@example.org")

    assert world.client(added["api_key"]).get(SSL_LIST).status_code == 200


def test_fourth_api_key_is_rejected(world):
    world.control.add_api_key("approver@example.org")
    world.control.add_api_key("approver@example.org")

    with pytest.raises(ControlError) as caught:
        world.control.add_api_key("approver@example.org")

    assert caught.value.status == 400
    assert "maximum" in caught.value.message


def test_random_key_is_returned_once(world):
    created = world.control.create_user("new@example.org", ["ssl_approver"])

    assert len(created["api_key"]) >= 32
    assert world.client(created["api_key"]).get(SSL_LIST).status_code == 200
    users = world.control.call("GET", "users")
    assert all("api_key" not in user for user in users)


def test_unknown_role_is_rejected(world):
    with pytest.raises(ControlError) as caught:
        world.control.create_user("x@example.org", ["superuser"])

    assert caught.value.status == 400
    assert "superuser" in caught.value.message


def test_keys_are_stored_hashed(world):
    world.approver.get(SSL_LIST)
    database = Path(world.simulator.state_dir) / "simulator.db"

    with sqlite3.connect(database) as conn:
        dump = "\n".join(conn.iterdump())

    assert APPROVER_KEY not in dump
    assert ADMIN_KEY not in dump
    assert "approver@example.org" in dump


def test_server_log_omits_keys(world):
    world.client("secret-key-never-logged").get(SSL_LIST)
    world.admin.get(SSL_LIST)

    server_log = world.simulator.stderr_path.read_text()

    assert f"Rejected GET {SSL_LIST} with 401: unknown API key" in server_log
    assert f"Rejected GET {SSL_LIST} for admin@example.org: the ssl_approver role is missing" in server_log
    assert "secret-key-never-logged" not in server_log
    assert APPROVER_KEY not in server_log
    assert ADMIN_KEY not in server_log
