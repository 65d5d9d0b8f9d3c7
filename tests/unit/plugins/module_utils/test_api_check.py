"""Tests of the API check's runner, its read-only client and the access judges (A2 to A9).

``FakeRoleAPI`` returns what one key gets: the paths of its role in HARICA's default shape,
a rejection on every other path, and responses that a test can replace path by path. The request
and admin judge tests import it from here.
"""

from __future__ import annotations

import datetime
import json
import typing as t
import urllib.parse

import pytest

from ansible_collections.harica.certmanager.plugins.module_utils import _api_check
from ansible_collections.harica.certmanager.plugins.module_utils._api_check import (
    CHECKS,
    collect,
    judge_all,
    run_api_check,
    summarize,
)
from ansible_collections.harica.certmanager.plugins.module_utils._api_check_reads import (
    ADMIN,
    APPROVERS,
    ROLES,
    ReadOnlyClient,
    RoleReadings,
    Verdict,
)
from ansible_collections.harica.certmanager.plugins.module_utils._errors import (
    HaricaAPIError,
    HaricaAuthError,
    HaricaConnectionError,
    HaricaError,
    HaricaInputError,
    HaricaNotFoundError,
    HaricaRedirectError,
    HaricaTimeoutError,
)
from ansible_collections.harica.certmanager.tests.unit.utils.certificates import make_chain, openssl_bundle
from ansible_collections.harica.certmanager.tests.unit.utils.fake_admin_api import FakeCertificateAPI, raw_certificate
from ansible_collections.harica.certmanager.tests.unit.utils.fake_api import raw_request

UTC = datetime.timezone.utc
VALID_UNTIL = datetime.datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
ROLE_BY_NAME = {role.name: role for role in ROLES}
PREFIXES = {
    "admin": "/cm/v1/admin/",
    "ssl": "/cm/v1/enterprise/requests/ssl",
    "smime": "/cm/v1/enterprise/requests/smime",
    "clientauth": "/cm/v1/enterprise/requests/clientauth",
}


def login_redirect(path: str) -> HaricaAPIError:
    return HaricaAuthError(
        f"Failed: GET {path} was redirected to the login page (/login).", method="GET", path=path, status=302
    )


def rejected_with(status: int) -> t.Callable[[str], HaricaAPIError]:
    def rejection(path: str) -> HaricaAPIError:
        return HaricaAuthError(f"Failed: GET {path} returned HTTP {status}.", method="GET", path=path, status=status)

    return rejection


def convert_keys(value: t.Any, case: str | None) -> t.Any:
    """Return a copy of a JSON value with its keys in PascalCase or lower case."""
    if case is None:
        return value
    if isinstance(value, dict):
        converted = {}
        for key, item in value.items():
            new_key = key[:1].upper() + key[1:] if case == "pascal" else key.lower()
            converted[new_key] = convert_keys(item, case)
        return converted
    if isinstance(value, list):
        return [convert_keys(item, case) for item in value]
    return value


class FakeRoleAPI(FakeCertificateAPI):
    """The responses that one key of a role gets, as the in-memory client of the API check.

    Paths outside the role's prefix raise ``rejection(path)``. ``answers`` replaces the
    answer of a path: an exception is raised, anything else is returned as is.
    """

    def __init__(
        self,
        role: str,
        *,
        requests: t.Sequence[dict[str, t.Any]] = (),
        certificates: t.Sequence[dict[str, t.Any]] = (),
        enterprises: t.Sequence[dict[str, t.Any]] = (),
        users: t.Sequence[dict[str, t.Any]] = (),
        rejection: t.Callable[[str], HaricaAPIError] = login_redirect,
        wrapper: str | None = None,
        key_case: str | None = None,
    ) -> None:
        super().__init__(*certificates, requests=requests)
        self.prefix = PREFIXES[role]
        self.enterprises = [dict(record) for record in enterprises]
        self.users = [dict(record) for record in users]
        self.rejection = rejection
        self.wrapper = wrapper
        self.key_case = key_case
        self.answers: dict[str, t.Any] = {}
        self.closed = False
        self.api_url = "https://cm.example.test"

    def get_json(self, path: str, *, action: str) -> t.Any:
        if path in self.answers:
            self.calls.append(("GET", path, None))
            answer = self.answers[path]
            if isinstance(answer, Exception):
                raise answer
            return answer
        if not path.startswith(self.prefix):
            self.calls.append(("GET", path, None))
            raise self.rejection(path)
        return convert_keys(self._shaped(path, self._answer(path, action)), self.key_case)

    def _answer(self, path: str, action: str) -> t.Any:
        if path == "/cm/v1/admin/enterprises":
            self.calls.append(("GET", path, None))
            return [dict(record) for record in self.enterprises]
        if path == "/cm/v1/admin/users":
            self.calls.append(("GET", path, None))
            return [{key: value for key, value in record.items() if key != "certificates"} for record in self.users]
        if path.startswith("/cm/v1/admin/users/email/"):
            self.calls.append(("GET", path, None))
            email = urllib.parse.unquote(path.rsplit("/", 1)[1])
            for record in self.users:
                if record["email"].lower() == email.lower():
                    return dict(record)
            raise HaricaNotFoundError("not found", method="GET", path=path, status=404)
        if path.startswith("/cm/v1/enterprise/requests/") and path.count("/") == 5:
            self.calls.append(("GET", path, None))
            return [dict(record) for record in self.requests.values()]
        return super().get_json(path, action=action)

    def _shaped(self, path: str, payload: t.Any) -> t.Any:
        if self.wrapper is not None and isinstance(payload, list):
            return {self.wrapper: payload}
        return payload

    def close(self) -> None:
        self.closed = True

    @property
    def gets(self) -> list[str]:
        return [call[1] for call in self.calls if call[0] == "GET"]


# The records of a small, complete account


def full_request(transaction_id: str, status: str = "Pending", **extra: t.Any) -> dict[str, t.Any]:
    """Return a request record with every field of assumption C1."""
    record = raw_request(transaction_id, status, **extra)
    record.setdefault("transactionTypeName", "OV")
    record.setdefault("user", "Dana Developer")
    record.setdefault("friendlyName", "app.example.org")
    record.setdefault("requestedAt", "2026-06-30T08:00:00.1234560")
    record.setdefault("reviewedAt", None if status == "Pending" else "2026-06-30T09:00:00.0000000")
    record.setdefault("reviewedBy", None if status == "Pending" else "approver@example.org")
    record.setdefault("isRevoked", False)
    record.setdefault("certificateValidTo", None)
    return record


def completed_request(transaction_id: str, serial: int = 0x1A2B, **extra: t.Any) -> dict[str, t.Any]:
    chain = make_chain(("app.example.org",), serial=serial, not_after=VALID_UNTIL)
    fields = {
        "certificate": chain.leaf_pem,
        "pemBundle": openssl_bundle(chain),
        "certificateValidTo": "2030-01-01T12:00:00.0000000",
    }
    fields.update(extra)
    return full_request(transaction_id, "Completed", **fields)


def email_request(transaction_id: str, status: str = "Completed", **extra: t.Any) -> dict[str, t.Any]:
    """Return an S/MIME or client-auth request, which names its emails in sANS, not in domains."""
    record = completed_request(transaction_id, **extra) if status == "Completed" else full_request(transaction_id, status)
    record.pop("domains")
    record["sANS"] = "RFC822 Name=person@example.org"
    return record


def full_certificate(serial: str, names: t.Sequence[str] = ("app.example.org",), **extra: t.Any) -> dict[str, t.Any]:
    """Return a certificate record with every field of assumption D2 and a matching PEM."""
    chain = make_chain(tuple(names), serial=int(serial, 16), not_after=VALID_UNTIL)
    record = raw_certificate(serial, names, valid_to="2030-01-01T12:00:00.0000000")
    record.update(
        {
            "dN": f"CN={names[0]}, O=Example University, C=GR",
            "issuerDN": "CN=Unit Issuing CA",
            "validFrom": "2026-01-01T00:00:00.0000000",
            "revokedAt": None,
            "revocationCode": None,
            "user": "Dana Developer",
            "friendlyName": names[0],
            "certificate": chain.leaf_pem,
            "pemBundle": openssl_bundle(chain),
        }
    )
    record.update(extra)
    return record


ENTERPRISE_ROW = {
    "organizationId": "org-1",
    "organization": "Example University",
    "organizationLocalized": "Example University",
    "domain": "example.org",
    "validity": "2027-03-01T00:00:00.0000000",
    "country": "GR",
    "state": "Attica",
    "locality": "Athens",
}

USER = {
    "email": "pat@example.org",
    "givenName": "Pat",
    "surname": "Person",
    "fullName": "Pat Person",
    "roles": ["SSL Enterprise Approver"],
    "isActive": True,
    "organizationId": "org-1",
    "createdAt": "2026-01-01T00:00:00.0000000",
    "certificates": [{"serial": "1A2B", "certificateType": "S/MIME", "isRevoked": False}],
}


def account(**changes: t.Any) -> dict[str, FakeRoleAPI]:
    """Return one fake API per role for an account where every assumption holds.

    ``changes`` maps a role name to keyword arguments of its FakeRoleAPI, or to None to
    leave the role's key out.
    """
    defaults: dict[str, dict[str, t.Any]] = {
        "admin": {
            "certificates": [full_certificate("5E11"), full_certificate("5E12", ("b.example.org",))],
            "enterprises": [ENTERPRISE_ROW],
            "users": [USER],
        },
        "ssl": {"requests": [full_request("tx-ssl-1"), completed_request("tx-ssl-2")]},
        "smime": {"requests": [email_request("tx-smime-1")]},
        "clientauth": {"requests": [email_request("tx-client-1", serial=0x2C3D)]},
    }
    apis = {}
    for name, options in defaults.items():
        chosen = changes.get(name, options)
        if chosen is None:
            continue
        apis[name] = FakeRoleAPI(name, **{**options, **chosen}) if name in changes else FakeRoleAPI(name, **options)
    return apis


def observe(apis: t.Mapping[str, FakeRoleAPI], *, timeout: float = 120):
    clients = {name: ReadOnlyClient(api, ROLE_BY_NAME[name]) for name, api in apis.items()}
    return collect(clients, timeout=timeout)


def check_entries(apis: t.Mapping[str, FakeRoleAPI], *, timeout: float = 120) -> dict[tuple[str, str], dict[str, t.Any]]:
    """Run every check against the fakes and return the entries by (id, role)."""
    return {(entry["id"], entry["role"]): entry for entry in judge_all(observe(apis, timeout=timeout))}


def entry(entries: dict[tuple[str, str], dict[str, t.Any]], check_id: str, role: str = "any") -> dict[str, t.Any]:
    return entries[(check_id, role)]


SSL = "SSL Enterprise Approver"
SMIME = "S/MIME Enterprise Approver"
CLIENTAUTH = "Client Auth Enterprise Approver"
ADMIN_ROLE = "Enterprise Admin"


# The read-only client


def test_client_refuses_path_of_other_role():
    api = FakeRoleAPI("ssl")
    client = ReadOnlyClient(api, ROLE_BY_NAME["ssl"])
    with pytest.raises(HaricaError, match="needs the Enterprise Admin role"):
        client.get_json("/cm/v1/admin/certificates", action="read")
    with pytest.raises(HaricaError, match="needs the S/MIME Enterprise Approver role"):
        client.get_json("/cm/v1/enterprise/requests/smime", action="read")
    assert api.calls == []


def test_client_refuses_path_outside_api():
    client = ReadOnlyClient(FakeRoleAPI("admin"), ADMIN)
    with pytest.raises(HaricaError, match="needs the unknown role"):
        client.get_json("/login", action="read")


def test_client_has_no_method_that_sends_data():
    methods = {name for name in dir(ReadOnlyClient) if not name.startswith("_")}
    assert methods == {"api_url", "close", "get_json", "probe_admin_path"}


def test_probe_refused_with_admin_key():
    client = ReadOnlyClient(FakeRoleAPI("admin"), ADMIN)
    with pytest.raises(HaricaError, match="only with an approver key"):
        client.probe_admin_path()


def test_probe_reads_enterprises_path():
    api = FakeRoleAPI("smime")
    client = ReadOnlyClient(api, ROLE_BY_NAME["smime"])
    with pytest.raises(HaricaAuthError):
        client.probe_admin_path()
    assert api.gets == ["/cm/v1/admin/enterprises"]


# The runner


def test_every_key_every_check_judged():
    entries = check_entries(account())
    statuses = {key: value["status"] for key, value in entries.items()}
    not_held = {key: status for key, status in statuses.items() if status != "held"}
    # A4 needs a GET with an unknown key, which the check never sends.
    assert not_held == {("A4", "any"): "not_checked"}
    assert len(entries) == len(judge_all(observe(account())))


def test_entry_count_per_scope():
    entries = judge_all(observe(account()))
    approver_rows = sum(1 for check in CHECKS if check.scope == "approver")
    assert len(entries) == len(CHECKS) + 2 * approver_rows


def test_entries_have_documented_keys():
    for value in judge_all(observe(account())):
        assert set(value) == {"id", "role", "status", "detail", "assumption", "observed"}
        assert value["status"] in ("held", "differs", "not_checked")
        assert value["detail"].endswith(".")


def test_only_gets_to_own_paths_and_one_probe():
    apis = account()
    observe(apis)
    for name, api in apis.items():
        assert api.posts == []
        foreign = [path for path in api.gets if not path.startswith(PREFIXES[name])]
        if name == "ssl":
            assert foreign == ["/cm/v1/admin/enterprises"]
        else:
            assert foreign == []


def test_each_path_read_once():
    apis = account()
    observe(apis)
    for api in apis.values():
        assert len(api.gets) == len(set(api.gets))


def test_result_contains_no_identifier_or_pem():
    apis = account()
    text = json.dumps(judge_all(observe(apis)))
    assert "BEGIN CERTIFICATE" not in text
    for secret in ("tx-ssl-1", "tx-ssl-2", "tx-smime-1", "pat@example.org", "dev@example.org", "5E11", "org-1"):
        assert secret not in text


def test_single_ssl_key_leaves_others_unchecked():
    entries = check_entries(account(admin=None, smime=None, clientauth=None))
    for check_id in ("C9", "D1", "D2", "D3", "D4", "D5", "D6", "D8", "E9", "E10", "C3", "C4"):
        assert entry(entries, check_id, ADMIN_ROLE)["status"] == "not_checked"
        assert "admin_key or HARICA_ADMIN_KEY" in entry(entries, check_id, ADMIN_ROLE)["detail"]
    for check_id in ("B1", "B7", "C1", "C3", "C4", "C5", "C8"):
        assert entry(entries, check_id, SMIME)["status"] == "not_checked"
        assert entry(entries, check_id, CLIENTAUTH)["status"] == "not_checked"
        assert entry(entries, check_id, SSL)["status"] == "held"
    assert entry(entries, "A5", SSL)["status"] == "held"


def test_run_without_key_raises():
    with pytest.raises(HaricaInputError, match="admin_key, ssl_approver_key"):
        run_api_check({"api_url": "https://cm.example.test", "admin_key": "  "}, log=print)


def test_run_builds_one_client_per_key(monkeypatch):
    apis = account(smime=None, clientauth=None)
    by_key = {"admin-unit-key": apis["admin"], "ssl-unit-key": apis["ssl"]}
    seen = []

    def open_client(settings, log):
        seen.append(settings)
        return by_key[settings.api_key]

    monkeypatch.setattr(_api_check, "open_client", open_client)
    params = {"api_url": "https://cm.example.test/", "admin_key": "admin-unit-key", "ssl_approver_key": "ssl-unit-key"}
    report = run_api_check(params, log=print)
    assert [settings.api_key for settings in seen] == ["admin-unit-key", "ssl-unit-key"]
    assert {settings.api_url for settings in seen} == {"https://cm.example.test/"}
    assert all(api.closed for api in by_key.values())
    assert report["summary"]["total"] == len(report["checks"])
    assert "admin-unit-key" not in json.dumps(report)


def test_unreachable_server_raises():
    error = HaricaConnectionError("Failed: could not connect to cm.example.test.", method="GET", path="/")
    apis = account(smime=None, clientauth=None)
    for api in apis.values():
        api.answers = {path: error for path in _every_path(api)}
    with pytest.raises(HaricaConnectionError, match="could not connect"):
        observe(apis)


def _every_path(api: FakeRoleAPI) -> list[str]:
    if api.prefix.startswith("/cm/v1/admin"):
        return ["/cm/v1/admin/certificates"]
    return [api.prefix]


def test_connection_failure_stops_that_key():
    apis = account(smime=None, clientauth=None)
    error = HaricaConnectionError("Failed: the connection dropped.", method="GET", path="/cm/v1/admin/certificates")
    apis["admin"].answers["/cm/v1/admin/certificates"] = error
    observations = observe(apis)
    assert apis["admin"].gets == ["/cm/v1/admin/certificates"]
    skipped = observations.by_role["admin"].reading("list/valid")
    assert skipped.skipped.startswith("GET /cm/v1/admin/certificates/list/valid was not sent, because")
    assert apis["ssl"].gets[0] == "/cm/v1/enterprise/requests/ssl"


def test_judge_error_reported_as_not_checked(monkeypatch):
    def broken(observations, readings=None):
        raise KeyError("secret-looking value")

    row = _api_check.Check("Z1", "any", "assumption", "reads", "judged", broken)
    monkeypatch.setattr(_api_check, "CHECKS", (row,))
    (result,) = judge_all(observe(account(smime=None, clientauth=None)))
    assert result["status"] == "not_checked"
    assert "KeyError" in result["detail"]
    assert "secret-looking" not in result["detail"]


def test_unknown_status_from_judge_raises(monkeypatch):
    row = _api_check.Check("Z2", "any", "assumption", "reads", "judged", lambda o, r=None: Verdict("maybe", "x."))
    monkeypatch.setattr(_api_check, "CHECKS", (row,))
    with pytest.raises(AssertionError, match="unknown status"):
        judge_all(observe(account(smime=None, clientauth=None)))


def test_summary_counts():
    checks = [{"status": "held"}, {"status": "held"}, {"status": "differs"}, {"status": "not_checked"}]
    assert summarize(checks) == {"held": 2, "differs": 1, "not_checked": 1, "total": 4}


def test_table_ids_documented():
    import pathlib

    page = pathlib.Path(__file__).resolve().parents[4] / "docs" / "api-assumptions.md"
    documented = page.read_text(encoding="utf-8")
    for check in CHECKS:
        assert f"| {check.id} |" in documented, check.id
        assert check.scope in ("admin", "approver", "any", "probe")
        assert check.reads, check.id
        assert check.judged, check.id
        assert check.assumption, check.id


def test_table_rows_unique():
    rows = [(check.id, check.scope) for check in CHECKS]
    assert len(rows) == len(set(rows))


# A2


def test_header_held_when_keys_accepted():
    result = entry(check_entries(account()), "A2")
    assert result["status"] == "held"
    assert result["observed"]["accepted"] == ["admin_key", "ssl_approver_key", "smime_approver_key", "clientauth_approver_key"]


def test_header_differs_when_every_key_rejected():
    apis = account(smime=None, clientauth=None)
    for api in apis.values():
        api.prefix = "/nowhere"
        api.rejection = rejected_with(401)
    result = entry(check_entries(apis), "A2")
    assert result["status"] == "differs"
    assert result["observed"]["rejected"] == {"admin_key": "HTTP 401", "ssl_approver_key": "HTTP 401"}


def test_header_held_names_rejected_key():
    apis = account(smime=None, clientauth=None)
    apis["admin"].prefix = "/nowhere"
    apis["admin"].rejection = rejected_with(401)
    result = entry(check_entries(apis), "A2")
    assert result["status"] == "held"
    assert "admin_key: HTTP 401" in result["detail"]


# A3, A4, A5: the probe


def test_probe_uses_accepted_approver_key():
    apis = account()
    apis["ssl"].prefix = "/nowhere"
    apis["ssl"].rejection = rejected_with(401)
    entries = check_entries(apis)
    assert entry(entries, "A5", SMIME)["status"] == "held"
    assert "/cm/v1/admin/enterprises" in apis["smime"].gets
    assert "/cm/v1/admin/enterprises" not in apis["ssl"].gets


def test_probe_not_sent_without_accepted_approver():
    apis = account(ssl=None, smime=None, clientauth=None)
    entries = check_entries(apis)
    for check_id in ("A3", "A5"):
        assert entry(entries, check_id, "approver")["status"] == "not_checked"
        assert "needs a key of an approver role" in entry(entries, check_id, "approver")["detail"]


@pytest.mark.parametrize(
    "rejection, status, words",
    [
        (login_redirect, "held", "a redirect (302) to a login page, as assumed"),
        (rejected_with(403), "differs", "The client reads 403 as a missing role too"),
        (rejected_with(401), "differs", "The client reads 401 as an unknown key"),
        (rejected_with(200), "differs", "an HTML page with status 200"),
        (
            lambda path: HaricaRedirectError("Failed: redirect.", method="GET", path=path, status=308),
            "differs",
            "a redirect (308) to a page that is not a login page",
        ),
        (
            lambda path: HaricaNotFoundError("Failed: 404.", method="GET", path=path, status=404),
            "differs",
            "reports it as a failed call",
        ),
    ],
)
def test_login_redirect_judged(rejection, status, words):
    apis = account(admin=None, smime=None, clientauth=None)
    apis["ssl"].rejection = rejection
    result = entry(check_entries(apis), "A5", SSL)
    assert result["status"] == status
    assert words in result["detail"]


def test_probe_answered_with_data():
    apis = account(admin=None, smime=None, clientauth=None)
    apis["ssl"].answers["/cm/v1/admin/enterprises"] = [ENTERPRISE_ROW]
    entries = check_entries(apis)
    for check_id in ("A3", "A5"):
        assert entry(entries, check_id, SSL)["status"] == "not_checked"
        assert "may also hold the Enterprise Admin role" in entry(entries, check_id, SSL)["detail"]
    assert "Example University" not in json.dumps(list(entries.values()))


def test_role_required_held_on_rejection():
    result = entry(check_entries(account()), "A3", SSL)
    assert result["status"] == "held"
    assert result["observed"]["status"] == 302


def test_probe_timeout_not_checked():
    apis = account(admin=None, smime=None, clientauth=None)
    error = HaricaTimeoutError("Failed: no response.", method="GET", path="/cm/v1/admin/enterprises")
    apis["ssl"].answers["/cm/v1/admin/enterprises"] = error
    entries = check_entries(apis)
    assert entry(entries, "A3", SSL)["status"] == "not_checked"
    assert entry(entries, "A5", SSL)["status"] == "not_checked"


def test_unknown_key_differs_when_role_rejection_is_401():
    apis = account(admin=None, smime=None, clientauth=None)
    apis["ssl"].rejection = rejected_with(401)
    result = entry(check_entries(apis), "A4")
    assert result["status"] == "differs"
    assert "answered 401" in result["detail"]


def test_unknown_key_held_on_401_for_own_path():
    apis = account(smime=None, clientauth=None)
    apis["admin"].prefix = "/nowhere"
    apis["admin"].rejection = rejected_with(401)
    result = entry(check_entries(apis), "A4")
    assert result["status"] == "held"
    assert result["observed"]["answered_401"] == ["admin_key"]


def test_unknown_key_not_checked_by_default():
    result = entry(check_entries(account()), "A4")
    assert result["status"] == "not_checked"
    assert "never sends" in result["detail"]


# A9


def test_response_time_held_with_slowest():
    result = entry(check_entries(account()), "A9")
    assert result["status"] == "held"
    assert result["observed"]["timeout_seconds"] == 120
    assert "retries included" in result["detail"]


def test_response_time_differs_on_timeout():
    apis = account(admin=None, smime=None, clientauth=None)
    path = "/cm/v1/enterprise/requests/ssl/list/ready"
    apis["ssl"].answers[path] = HaricaTimeoutError("Failed: no response within 30 s.", method="GET", path=path)
    result = entry(check_entries(apis, timeout=30), "A9")
    assert result["status"] == "differs"
    assert "timeout of 30 s" in result["detail"]
    assert result["observed"]["timed_out"] == [path]
    # After the timeout, this key sends nothing more, not even the probe.
    assert apis["ssl"].gets[-1] == path


def test_readings_measure_time():
    ticks = iter([10.0, 12.5])
    readings = RoleReadings(ReadOnlyClient(FakeRoleAPI("admin"), ADMIN), clock=lambda: next(ticks))
    reading = readings.get("all", "/cm/v1/admin/certificates")
    assert reading.seconds == 2.5
    assert reading.ok


def test_readings_template_hides_encoded_identifier():
    api = FakeRoleAPI("ssl")
    path = "/cm/v1/enterprise/requests/ssl/id/tx-secret"
    location = "/login?ReturnUrl=%2Fcm%2Fv1%2Fenterprise%2Frequests%2Fssl%2Fid%2Ftx-secret"
    api.answers[path] = HaricaAuthError(f"Failed: GET {path} was redirected to {location}.", method="GET", path=path, status=302)
    readings = RoleReadings(ReadOnlyClient(api, APPROVERS[0]))
    reading = readings.get("by_id", path, "/cm/v1/enterprise/requests/ssl/id/{transactionId}")
    assert "tx-secret" not in reading.failure()


def test_readings_template_hides_identifier():
    api = FakeRoleAPI("ssl")
    path = "/cm/v1/enterprise/requests/ssl/id/tx-secret"
    api.answers[path] = HaricaNotFoundError(f"Failed: GET {path} returned HTTP 404.", method="GET", path=path, status=404)
    readings = RoleReadings(ReadOnlyClient(api, APPROVERS[0]))
    reading = readings.get("by_id", path, "/cm/v1/enterprise/requests/ssl/id/{transactionId}")
    assert reading.error is not None
    assert "tx-secret" not in reading.failure()
    assert "{transactionId}" in reading.failure()
