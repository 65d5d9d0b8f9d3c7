# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""The read-only check of the API assumptions, as harica_api_check runs it.

``CHECKS`` is the table of what is checked: each row names an assumption of the API
assumptions page in ``docs/``, the scope of keys it needs, what it reads, how it is
judged, and the judge function. ``run_api_check`` builds one client per key, sends the
GETs of each role once, and judges every row from what came back.
"""

from __future__ import annotations

import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils import (
    _api_check_access as access_judges,
    _api_check_admin as admin_judges,
    _api_check_requests as request_judges,
    _argspec,
    _client,
)
from ansible_collections.harica.certmanager.plugins.module_utils._api_check_reads import (
    ADMIN,
    APPROVERS,
    NOT_CHECKED,
    ROLES,
    STATUSES,
    Observations,
    ReadOnlyClient,
    Role,
    RoleReadings,
    Verdict,
    no_key,
    read_admin,
    read_requests,
)
from ansible_collections.harica.certmanager.plugins.module_utils._errors import (
    HaricaConnectionError,
    HaricaError,
    HaricaInputError,
)

# Scopes of a check: which keys it needs and how many entries it gives.
ADMIN_SCOPE = "admin"  # the admin key; one entry
APPROVER_SCOPE = "approver"  # each approver key; one entry per approver role
ANY_SCOPE = "any"  # every key given; one entry
PROBE_SCOPE = "probe"  # the probe of an admin path with an approver key; one entry


class Check(t.NamedTuple):
    """One row of the check table."""

    id: str
    scope: str
    assumption: str
    reads: str
    judged: str
    judge: t.Callable[..., Verdict]


CHECKS: tuple[Check, ...] = (
    Check(
        "A2", ANY_SCOPE,
        "Every call carries the key in the X-API-Key header.",
        "every GET of every key",
        "held when some key is accepted on the paths of its role; differs when every key is rejected",
        access_judges.judge_header,
    ),
    Check(
        "A3", PROBE_SCOPE,
        "An approver key cannot call /cm/v1/admin/*.",
        "GET /cm/v1/admin/enterprises with an accepted approver key",
        "held when the GET is rejected; not checked when it returns data",
        access_judges.judge_role_required,
    ),
    Check(
        "A4", ANY_SCOPE,
        "A missing or unknown key is answered with 401.",
        "every GET of every key, and the probe",
        "differs when the probe (a valid key without the role) gets 401; held when a key gets 401 on its own paths",
        access_judges.judge_unknown_key,
    ),
    Check(
        "A5", PROBE_SCOPE,
        "A key without the role is redirected (302 or 308) to a login page.",
        "GET /cm/v1/admin/enterprises with an accepted approver key",
        "held on a redirect to a login page; differs on 401, 403, an HTML page or any other answer",
        access_judges.judge_login_redirect,
    ),
    Check(
        "A9", ANY_SCOPE,
        "Staging can take 60 to 120 seconds to answer; the default timeout is 120 seconds.",
        "the time of every GET, retries included",
        "held when every GET is answered within the timeout; differs when one times out",
        access_judges.judge_response_time,
    ),
    Check(
        "B1", APPROVER_SCOPE,
        "Requests are read at /cm/v1/enterprise/requests/{type}, .../list/{status} and .../id/{transactionId}.",
        "the full list, the four status lists and one listed request by id",
        "held when every path answers with JSON; differs on 400, 404, 405, 410, 501 or a rejected key on one path",
        request_judges.judge_request_paths,
    ),
    Check(
        "B7", APPROVER_SCOPE,
        "The request lists return every matching request at once, without pagination.",
        "the full list and the four status lists",
        "differs when a list object has pagination keys or the full list lacks requests of the status lists",
        request_judges.judge_pagination,
    ),
    Check(
        "C1", APPROVER_SCOPE,
        "Request records use transactionId, transactionStatus, domains, userEmail, requestedAt and the other"
        " session API names.",
        "the records of every request list and of the lookup by id",
        "differs when an expected field is in no record that must carry it",
        request_judges.judge_request_fields,
    ),
    Check(
        "C3", APPROVER_SCOPE,
        "Lists are bare JSON arrays, or arrays wrapped under certificates, items, results, data, requests or value.",
        "the request lists",
        "differs when a list is an object without a known wrapper key, or not a list",
        request_judges.judge_list_shape,
    ),
    Check(
        "C3", ADMIN_SCOPE,
        "Lists are bare JSON arrays, or arrays wrapped under certificates, items, results, data, requests or value.",
        "the certificate lists, the enterprises and the users",
        "differs when a list is an object without a known wrapper key, or not a list",
        request_judges.judge_list_shape,
    ),
    Check(
        "C4", APPROVER_SCOPE,
        "Timestamps carry no time zone and 0 to 9 fractional digits, and are UTC.",
        "requestedAt, reviewedAt and certificateValidTo of the request records",
        "differs when a timestamp cannot be read, or the end of validity differs from the PEM's notAfter",
        request_judges.judge_timestamps,
    ),
    Check(
        "C4", ADMIN_SCOPE,
        "Timestamps carry no time zone and 0 to 9 fractional digits, and are UTC.",
        "the validity and revocation times of certificates, enterprise validity and user creation times",
        "differs when a timestamp cannot be read, or the end of validity differs from the PEM's notAfter",
        request_judges.judge_timestamps,
    ),
    Check(
        "C5", APPROVER_SCOPE,
        "Request statuses are Pending, Ready, Completed and Cancelled (or Canceled).",
        "transactionStatus of the request records, per status list",
        "differs on an unknown word, or a status list with requests of another status",
        request_judges.judge_status_words,
    ),
    Check(
        "C8", APPROVER_SCOPE,
        "A completed request carries its certificate in certificate (PEM or base64 DER) and pemBundle.",
        "certificate, pemBundle and any field with a PEM in completed request records",
        "differs when a completed request has no certificate in those fields",
        request_judges.judge_certificate_location,
    ),
    Check(
        "C9", ADMIN_SCOPE,
        "Serial numbers are hex strings of undocumented case and leading zeros.",
        "serial of the certificate records, compared with the PEM's serial",
        "differs when a serial is not the hex form of the PEM's serial number",
        admin_judges.judge_serial_format,
    ),
    Check(
        "D1", ADMIN_SCOPE,
        "Certificates are read at /cm/v1/admin/certificates, .../list/{status} and .../serial/{serial}.",
        "the certificate list, the three status lists and the serial search",
        "differs when a path answers 400, 404, 405, 410 or 501, or the search finds no listed serial in any form",
        admin_judges.judge_certificate_paths,
    ),
    Check(
        "D2", ADMIN_SCOPE,
        "Certificate records use serial, certificateType, commonName, dN, sANS, validTo and the other documented"
        " names.",
        "the records of every certificate list",
        "differs when an expected field is in no record that must carry it",
        admin_judges.judge_certificate_fields,
    ),
    Check(
        "D3", ADMIN_SCOPE,
        "sANS is one string such as 'DNS Name=a.example.org, RFC822 Name=x@example.org'.",
        "sANS of the certificate records, compared with the PEM's subject alternative names",
        "differs on an unknown label, names that differ from the PEM, or a value that is not one string",
        admin_judges.judge_san_format,
    ),
    Check(
        "D4", ADMIN_SCOPE,
        "certificateType contains a word that tells the type (SSL, S/MIME, Client).",
        "certificateType of the certificate records, compared with the PEM's extended key usages",
        "differs when a word names no type or another type than the usages",
        admin_judges.judge_certificate_type_words,
    ),
    Check(
        "D5", ADMIN_SCOPE,
        "A certificate is revoked, expired or valid by isRevoked, revokedAt and validTo; the status lists agree.",
        "the three certificate status lists",
        "differs when a listed certificate has another status by the module's rule",
        admin_judges.judge_status_lists,
    ),
    Check(
        "D6", ADMIN_SCOPE,
        "The serial search may store serials in a form of its own.",
        "the serial search with the normalised serial of a listed certificate, then with the listed form",
        "held when the normalised serial finds it; differs when only the listed form, or no form, finds it",
        admin_judges.judge_serial_search,
    ),
    Check(
        "D8", ADMIN_SCOPE,
        "A record tells how its certificate was issued, in issuanceType or in isBulk/isAcme flags.",
        "the issuance fields of the certificate records",
        "differs when a record names no issuance method the module reads",
        admin_judges.judge_issuance_hint,
    ),
    Check(
        "E9", ADMIN_SCOPE,
        "Enterprises are listed one row per (enterprise, domain) with organizationId, organization, domain,"
        " validity and address fields.",
        "GET /cm/v1/admin/enterprises",
        "differs when an expected field is in no row",
        admin_judges.judge_enterprise_fields,
    ),
    Check(
        "E10", ADMIN_SCOPE,
        "Users carry email, givenName, surname, fullName, roles, isActive and organizationId; the lookup by email"
        " adds certificates.",
        "GET /cm/v1/admin/users and the lookup of one listed user by email",
        "differs when an expected field is in no record, or the lookup has no certificates list",
        admin_judges.judge_user_fields,
    ),
)

# Errors that unexpected response data can raise inside a judge. The check reports them
# as not checked, so that one odd record does not cost the whole report.
_JUDGE_ERRORS = (HaricaError, ArithmeticError, AttributeError, KeyError, TypeError, ValueError)


def open_client(settings: _client.ClientSettings, log: t.Callable[[str], None]) -> _client.HaricaClient:
    """Build the HTTP client of one key; the unit tests replace this function."""
    return _client.HaricaClient(settings, log=log)


def given_keys(params: t.Mapping[str, t.Any]) -> dict[str, str]:
    """Return the non-empty key of each role, by role name."""
    keys = {}
    for role in ROLES:
        key = params.get(role.option)
        if isinstance(key, str) and key.strip():
            keys[role.name] = key
    return keys


def run_api_check(params: t.Mapping[str, t.Any], *, log: t.Callable[[str], None]) -> dict[str, t.Any]:
    """Send the check's GETs with each key given and return the checks and their summary.

    Raises HaricaInputError when no key or an invalid option is given, and the connection
    error when no GET of any key got a response because the server could not be reached.
    """
    keys = given_keys(params)
    if not keys:
        options = ", ".join(role.option for role in ROLES)
        variables = ", ".join(role.environment for role in ROLES)
        raise HaricaInputError(f"No API key was given: set at least one of {options}, or of {variables}.")
    settings = _argspec.client_settings({**params, "api_key": next(iter(keys.values()))})
    clients: dict[str, ReadOnlyClient] = {}
    try:
        for role in ROLES:
            if role.name in keys:
                client = open_client(settings._replace(api_key=keys[role.name]), log)
                clients[role.name] = ReadOnlyClient(client, role)
        observations = collect(clients, timeout=settings.timeout)
    finally:
        for client in clients.values():
            client.close()
    checks = judge_all(observations)
    api_url = next(iter(clients.values())).api_url
    return {"api_url": api_url, "checks": checks, "summary": summarize(checks)}


def collect(clients: t.Mapping[str, ReadOnlyClient], *, timeout: float) -> Observations:
    """Send the GETs of every role with a key, then the probe with one accepted approver key."""
    by_role: dict[str, RoleReadings] = {}
    for role in ROLES:
        client = clients.get(role.name)
        if client is None:
            continue
        readings = RoleReadings(client)
        if role.request_type is None:
            read_admin(readings)
        else:
            read_requests(readings)
        by_role[role.name] = readings
    for role in APPROVERS:
        readings = by_role.get(role.name)
        if readings is not None and readings.accepted():
            readings.probe()
            break
    observations = Observations(by_role, timeout)
    all_readings = observations.all_readings()
    if all_readings and not any(reading.answered for reading in all_readings):
        unreachable = [reading.error for reading in all_readings if isinstance(reading.error, HaricaConnectionError)]
        if unreachable:
            raise unreachable[0]
    return observations


def judge_all(observations: Observations) -> list[dict[str, t.Any]]:
    """Judge every row of CHECKS and return one entry per row, or per approver role."""
    entries = []
    for check in CHECKS:
        for role_name, verdict in _judge(check, observations):
            if verdict.status not in STATUSES:
                raise AssertionError(f"{check.judge.__name__} returned the unknown status {verdict.status!r}")
            entries.append(
                {
                    "id": check.id,
                    "role": role_name,
                    "status": verdict.status,
                    "detail": verdict.detail,
                    "assumption": check.assumption,
                    "observed": dict(verdict.observed),
                }
            )
    return entries


def _judge(check: Check, observations: Observations) -> list[tuple[str, Verdict]]:
    if check.scope == ADMIN_SCOPE:
        return [_judge_role(check, observations, ADMIN)]
    if check.scope == APPROVER_SCOPE:
        return [_judge_role(check, observations, role) for role in APPROVERS]
    if check.scope == PROBE_SCOPE:
        probe = observations.probe()
        role_name = probe[0].harica_role if probe else "approver"
        return [(role_name, _guarded(check, observations, None))]
    return [("any", _guarded(check, observations, None))]


def _judge_role(check: Check, observations: Observations, role: Role) -> tuple[str, Verdict]:
    readings = observations.by_role.get(role.name)
    if readings is None:
        return role.harica_role, no_key(role)
    return role.harica_role, _guarded(check, observations, readings)


def _guarded(check: Check, observations: Observations, readings: RoleReadings | None) -> Verdict:
    try:
        return check.judge(observations, readings)
    except _JUDGE_ERRORS as exc:
        # The exception's message may quote response data, so only its type is shown.
        return Verdict(
            NOT_CHECKED,
            f"Judging {check.id} failed with {type(exc).__name__} on response data that the check does not expect.",
        )


def summarize(checks: t.Sequence[t.Mapping[str, t.Any]]) -> dict[str, int]:
    """Count the checks per status."""
    summary = {status: 0 for status in STATUSES}
    for check in checks:
        summary[check["status"]] += 1
    summary["total"] = len(checks)
    return summary


__all__ = (
    "ADMIN_SCOPE",
    "ANY_SCOPE",
    "APPROVER_SCOPE",
    "CHECKS",
    "PROBE_SCOPE",
    "Check",
    "collect",
    "given_keys",
    "judge_all",
    "open_client",
    "run_api_check",
    "summarize",
)
