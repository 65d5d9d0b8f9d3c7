# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Judges of the service and authentication assumptions (A2 to A5, A9 of ``docs/api-assumptions.md``).

They read how the server responded to each key on its own paths, and to the one probe
of an admin path with an approver key.
"""

from __future__ import annotations

import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._api_check_reads import (
    DIFFERS,
    HELD,
    NOT_CHECKED,
    PROBE_PATH,
    Observations,
    Reading,
    RoleReadings,
    Verdict,
)
from ansible_collections.harica.certmanager.plugins.module_utils._errors import (
    HaricaAPIError,
    HaricaAuthError,
    HaricaRedirectError,
    HaricaTimeoutError,
)

REDIRECT_STATUSES = (301, 302, 303, 307, 308)

_NO_APPROVER_KEY = (
    "It needs a key of an approver role (ssl_approver_key, smime_approver_key or clientauth_approver_key)"
    f" that the server accepts on the paths of its role. Its answer on the admin path {PROBE_PATH} shows"
    " how HARICA rejects a key without the role."
)


def describe_rejection(error: HaricaAPIError) -> str:
    """Describe how the server rejected a GET, such as ``a redirect (302) to a login page``."""
    status = error.status
    if status in REDIRECT_STATUSES:
        if isinstance(error, HaricaAuthError):
            return f"a redirect ({status}) to a login page"
        return f"a redirect ({status}) to a page that is not a login page"
    if status is None:
        return "no response"
    if isinstance(error, HaricaAuthError) and status < 300:
        return f"an HTML page with status {status}"
    return f"HTTP {status}"


def _rejection_observed(error: HaricaAPIError) -> dict[str, t.Any]:
    return {"status": error.status, "rejection": describe_rejection(error), "error_kind": type(error).__name__}


def judge_header(observations: Observations, readings: RoleReadings | None = None) -> Verdict:
    """A2: the key in the X-API-Key header authenticates a GET."""
    accepted = []
    rejected = {}
    for role_readings in observations.by_role.values():
        option = role_readings.role.option
        if role_readings.accepted():
            accepted.append(option)
            continue
        auth_errors = [error for error in role_readings.own_path_errors() if isinstance(error, HaricaAuthError)]
        if auth_errors:
            rejected[option] = describe_rejection(auth_errors[0])
    observed = {"accepted": accepted, "rejected": rejected}
    rejections = "; ".join(f"{option}: {how}" for option, how in rejected.items())
    if not accepted and not rejected:
        return Verdict(NOT_CHECKED, "No GET with a key got a response, so the header could not be tried.", observed)
    if not accepted:
        return Verdict(
            DIFFERS,
            f"The server rejected every key sent in the X-API-Key header ({rejections}). Check the keys;"
            " if they are right, HARICA expects the key in another form.",
            observed,
        )
    detail = f"GETs with the key in the X-API-Key header were answered for {', '.join(accepted)}."
    if rejected:
        detail += f" Other keys were rejected on the paths of their role ({rejections}): check those keys."
    return Verdict(HELD, detail, observed)


def judge_role_required(observations: Observations, readings: RoleReadings | None = None) -> Verdict:
    """A3: an approver key cannot read an admin path."""
    probe = observations.probe()
    if probe is None:
        return Verdict(NOT_CHECKED, _NO_APPROVER_KEY)
    role, reading = probe
    if reading.ok:
        return Verdict(
            NOT_CHECKED,
            f"GET {PROBE_PATH} with {role.option} was answered with data, so the key's user may also hold"
            " the Enterprise Admin role. A3 needs an approver key whose user is not an Enterprise Admin.",
            {"status": 200},
        )
    if not reading.answered or reading.error is None:
        return Verdict(NOT_CHECKED, reading.failure())
    return Verdict(
        HELD,
        f"GET {PROBE_PATH} with {role.option} was rejected with {describe_rejection(reading.error)}.",
        _rejection_observed(reading.error),
    )


def judge_unknown_key(observations: Observations, readings: RoleReadings | None = None) -> Verdict:
    """A4: a missing or unknown key gets 401, and only such a key does."""
    probe = observations.probe()
    if probe is not None and probe[1].error is not None and probe[1].error.status == 401:
        return Verdict(
            DIFFERS,
            f"GET {PROBE_PATH} with {probe[0].option}, a key without the role, was answered 401, the status"
            " that the client reads as a missing or unknown key. Modules would then advise checking the key"
            " when the role is missing.",
            _rejection_observed(probe[1].error),
        )
    answered_401 = [
        role_readings.role.option
        for role_readings in observations.by_role.values()
        if any(error.status == 401 for error in role_readings.own_path_errors())
    ]
    if answered_401:
        return Verdict(
            HELD,
            f"The key in {', '.join(answered_401)} was answered 401 on a path of its own role, as assumed for an"
            " unknown key.",
            {"answered_401": answered_401},
        )
    return Verdict(
        NOT_CHECKED,
        "No key given was answered 401, and checking A4 needs a GET with an unknown key, which this check"
        " never sends.",
    )


def judge_login_redirect(observations: Observations, readings: RoleReadings | None = None) -> Verdict:
    """A5: a key without the role is redirected to a login page."""
    probe = observations.probe()
    if probe is None:
        return Verdict(NOT_CHECKED, _NO_APPROVER_KEY)
    role, reading = probe
    if reading.ok:
        return Verdict(
            NOT_CHECKED,
            f"GET {PROBE_PATH} with {role.option} was answered with data, so the key's user may also hold"
            " the Enterprise Admin role and no rejection was seen.",
            {"status": 200},
        )
    error = reading.error
    if error is None or error.status is None:
        return Verdict(NOT_CHECKED, reading.failure())

    how = describe_rejection(error)
    observed = _rejection_observed(error)
    seen = f"GET {PROBE_PATH} with {role.option}, a key without the role, got {how}"
    if error.status in REDIRECT_STATUSES and isinstance(error, HaricaAuthError):
        return Verdict(HELD, f"{seen}, as assumed. The check does not follow the redirect.", observed)

    if isinstance(error, HaricaRedirectError):
        consequence = "The client reports such a redirect as a wrong api_url, not as a missing role."
    elif error.status == 403:
        consequence = "The client reads 403 as a missing role too, so modules still report the role they need."
    elif error.status == 401:
        consequence = "The client reads 401 as an unknown key, so modules advise checking the key."
    elif isinstance(error, HaricaAuthError):
        consequence = "The client reads an HTML page as a login page, so modules still report a missing role."
    else:
        consequence = "The client reports it as a failed call, not as a missing role."
    return Verdict(DIFFERS, f"{seen}, not a redirect to a login page. {consequence}", observed)


def judge_response_time(observations: Observations, readings: RoleReadings | None = None) -> Verdict:
    """A9: every GET gets a response within the client's timeout."""
    all_readings = observations.all_readings()
    timed_out = [reading for reading in all_readings if isinstance(reading.error, HaricaTimeoutError)]
    answered = [reading for reading in all_readings if reading.answered]
    observed: dict[str, t.Any] = {"timeout_seconds": observations.timeout, "requests": len(all_readings)}
    if timed_out:
        observed["timed_out"] = [reading.template for reading in timed_out]
        return Verdict(
            DIFFERS,
            f"{len(timed_out)} GET(s) got no response within the timeout of {observations.timeout:g} s, the first"
            f" GET {timed_out[0].template}. Raise the timeout option.",
            observed,
        )
    if not answered:
        return Verdict(NOT_CHECKED, "No GET got a response, so no response time was measured.", observed)
    slowest = max(answered, key=_seconds)
    observed["slowest_seconds"] = round(slowest.seconds, 3)
    return Verdict(
        HELD,
        f"Every GET that got a response was answered within the timeout of {observations.timeout:g} s. The"
        f" slowest, GET {slowest.template}, took {slowest.seconds:.1f} s, retries included.",
        observed,
    )


def _seconds(reading: Reading) -> float:
    return reading.seconds


__all__ = (
    "describe_rejection",
    "judge_header",
    "judge_login_redirect",
    "judge_response_time",
    "judge_role_required",
    "judge_unknown_key",
)
