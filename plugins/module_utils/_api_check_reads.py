# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""The GET requests of the API check: one key per role, read-only, each path read once.

``ReadOnlyClient`` is the only way the check reaches the server. It has no method that
sends anything but GET. It raises before sending when a path needs another role than the
key's. The one exception is the probe of an admin path with an approver key, which shows
how HARICA rejects a key that lacks the role.
"""

from __future__ import annotations

import time
import typing as t
from urllib.parse import quote

from ansible_collections.harica.certmanager.plugins.module_utils import _api
from ansible_collections.harica.certmanager.plugins.module_utils._api_check_formats import (
    ListShape,
    list_shape,
    serial_digits,
)
from ansible_collections.harica.certmanager.plugins.module_utils._errors import (
    HaricaAPIError,
    HaricaAuthError,
    HaricaConnectionError,
    HaricaError,
    HaricaTimeoutError,
)
from ansible_collections.harica.certmanager.plugins.module_utils._records import Record, extract_one
from ansible_collections.harica.certmanager.plugins.module_utils._values import normalize_serial

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.harica.certmanager.plugins.module_utils._client import HaricaClient

HELD = "held"
DIFFERS = "differs"
NOT_CHECKED = "not_checked"
STATUSES = (HELD, DIFFERS, NOT_CHECKED)


class Role(t.NamedTuple):
    """A HARICA role, the module option that takes its key, and its environment variable."""

    name: str
    option: str
    environment: str
    harica_role: str
    request_type: str | None


ADMIN = Role("admin", "admin_key", "HARICA_ADMIN_KEY", _api.ENTERPRISE_ADMIN, None)
APPROVERS = tuple(
    Role(name, f"{name}_approver_key", f"HARICA_{name.upper()}_APPROVER_KEY", request_type.approver_role, name)
    for name, request_type in _api.REQUEST_TYPES.items()
)
ROLES = (ADMIN, *APPROVERS)

# The admin path that the probe reads with an approver key. The response body is never
# kept, only how the server rejected or accepted the call.
PROBE_PATH = _api.enterprises_path()


class Verdict(t.NamedTuple):
    """The judgement of one assumption: a status, a sentence for people, and what was seen."""

    status: str
    detail: str
    observed: dict[str, t.Any] = {}


class Reading(t.NamedTuple):
    """The outcome of one GET: the decoded JSON, or the error, or why it was not sent.

    ``template`` is the path with its transaction id, serial or email replaced by a
    placeholder. Reports name the template, so that they contain no identifier.
    """

    name: str
    path: str
    template: str
    payload: t.Any = None
    error: HaricaAPIError | None = None
    skipped: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and self.skipped is None

    @property
    def answered(self) -> bool:
        """Tell whether an HTTP response arrived, a success or an error status."""
        return self.ok or (self.error is not None and self.error.status is not None)

    def shape(self) -> ListShape:
        return list_shape(self.payload if self.ok else None)

    def failure(self) -> str:
        """Return why this GET gave no data, as a sentence."""
        if self.skipped:
            return self.skipped
        if self.error is not None:
            # A login redirect's Location may repeat the path URL-encoded (ReturnUrl=...).
            message = self.error.message.replace(quote(self.path, safe=""), quote(self.template, safe=""))
            return message.replace(self.path, self.template)
        return f"GET {self.template} succeeded."


class ReadOnlyClient:
    """Send GETs with one key, only to the paths of its role (and the one probe)."""

    def __init__(self, client: HaricaClient, role: Role) -> None:
        self._client = client
        self.role = role

    def get_json(self, path: str, *, action: str) -> t.Any:
        needed = _api.required_role(path)
        if needed != self.role.harica_role:
            raise HaricaError(
                f"The API check does not send GET {path} with {self.role.option}, because the path needs the"
                f" {needed or 'unknown'} role and the key is for the {self.role.harica_role} role."
            )
        return self._client.get_json(path, action=action)

    @property
    def api_url(self) -> str:
        return self._client.api_url

    def probe_admin_path(self) -> t.Any:
        """Send the one GET of an admin path with an approver key (assumptions A3 to A5)."""
        if self.role.request_type is None:
            raise HaricaError("The API check probes an admin path only with an approver key.")
        return self._client.get_json(PROBE_PATH, action=f"probe an admin path with {self.role.option}")

    def close(self) -> None:
        self._client.close()


class RoleReadings:
    """The GETs sent with one key, each kept by a name such as ``all`` or ``list/pending``.

    After a timeout or a connection failure, the later GETs of this key are not sent, so
    that a server that does not respond costs one timeout per key, not one per path.
    """

    def __init__(self, client: ReadOnlyClient, clock: t.Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.role = client.role
        self.readings: dict[str, Reading] = {}
        self._clock = clock
        self._halted: str | None = None

    def get(self, name: str, path: str, template: str | None = None) -> Reading:
        """Send a GET once and keep its outcome under ``name``."""
        if name in self.readings:
            return self.readings[name]
        template = template or path
        if self._halted:
            reading = Reading(name, path, template, skipped=f"GET {template} was not sent, {self._halted}")
        else:
            action = f"read {template} for the API check"
            reading = self._send(name, path, template, lambda: self.client.get_json(path, action=action))
        self.readings[name] = reading
        return reading

    def probe(self) -> Reading:
        """Send the probe of an admin path with this approver key, once."""
        if "probe" in self.readings:
            return self.readings["probe"]
        if self._halted:
            reading = Reading("probe", PROBE_PATH, PROBE_PATH, skipped=f"GET {PROBE_PATH} was not sent, {self._halted}")
        else:
            reading = self._send("probe", PROBE_PATH, PROBE_PATH, self.client.probe_admin_path)
        self.readings["probe"] = reading
        return reading

    def _send(self, name: str, path: str, template: str, call: t.Callable[[], t.Any]) -> Reading:
        started = self._clock()
        try:
            payload = call()
        except HaricaAPIError as exc:
            reading = Reading(name, path, template, error=exc, seconds=self._clock() - started)
            if isinstance(exc, (HaricaTimeoutError, HaricaConnectionError)):
                self._halted = f"because an earlier GET with {self.role.option} failed: {reading.failure()}"
            return reading
        return Reading(name, path, template, payload=payload, seconds=self._clock() - started)

    def reading(self, name: str) -> Reading | None:
        return self.readings.get(name)

    def list_readings(self) -> list[Reading]:
        """Return the readings of list paths, in the order sent."""
        return [reading for name, reading in self.readings.items() if name in LIST_NAMES]

    def records(self, *names: str) -> list[t.Mapping[str, t.Any]]:
        """Return the records of the named list readings, without duplicates, in order."""
        seen: set[t.Any] = set()
        records = []
        for name in names:
            reading = self.readings.get(name)
            if reading is None or not reading.ok:
                continue
            for record in reading.shape().records:
                key = _identity(record)
                if key in seen:
                    continue
                seen.add(key)
                records.append(record)
        return records

    def own_path_errors(self) -> list[HaricaAPIError]:
        """Return the errors of the GETs to the key's own paths, leaving out the probe."""
        return [reading.error for name, reading in self.readings.items() if name != "probe" and reading.error is not None]

    def accepted(self) -> bool:
        """Tell whether any GET of the key's own paths got a success response."""
        return any(reading.ok for name, reading in self.readings.items() if name != "probe")


class Observations(t.NamedTuple):
    """Everything the check read: the readings of each role that has a key, by role name."""

    by_role: dict[str, RoleReadings]
    timeout: float

    def probe(self) -> tuple[Role, Reading] | None:
        """Return the approver role and the reading of the probe, when one was sent.

        The probe is sent only with an approver key that the server accepted on the paths
        of its role, so that its rejection shows a missing role and not a wrong key.
        """
        for role in APPROVERS:
            readings = self.by_role.get(role.name)
            if readings is not None and "probe" in readings.readings:
                return role, readings.readings["probe"]
        return None

    def all_readings(self) -> list[Reading]:
        return [reading for readings in self.by_role.values() for reading in readings.readings.values()]


def _identity(record: t.Mapping[str, t.Any]) -> t.Any:
    wrapped = Record(record)
    for field in ("serial", "serialNumber", "transactionId", "id", "email"):
        value = wrapped.get(field)
        if value is not None:
            return (field.lower(), str(value).lower())
    return ("object", id(record))


# What each role reads


REQUEST_LISTS = tuple(f"list/{status}" for status in _api.REQUEST_LIST_STATUSES)
CERTIFICATE_LISTS = tuple(f"list/{status}" for status in _api.CERTIFICATE_STATUSES)
LIST_NAMES = frozenset(("all", "enterprises", "users", *REQUEST_LISTS, *CERTIFICATE_LISTS))


def read_requests(readings: RoleReadings) -> None:
    """Read every list of the approver's request type, and one listed request by its id."""
    request_type = readings.role.request_type or ""
    readings.get("all", _api.requests_path(request_type))
    for status in _api.REQUEST_LIST_STATUSES:
        readings.get(f"list/{status}", _api.requests_by_status_path(request_type, status))
    for record in readings.records("all", *REQUEST_LISTS):
        transaction_id = Record(record).get("transactionId", "id")
        if transaction_id:
            template = _api.requests_path(request_type) + "/id/{transactionId}"
            readings.get("by_id", _api.request_by_id_path(request_type, str(transaction_id)), template)
            break


def read_admin(readings: RoleReadings) -> None:
    """Read the certificate lists, one serial search, the enterprises and the users.

    The serial search uses the normalised form of one listed serial (see serial_to_search).
    When that finds nothing and the list wrote the serial in another form, the listed
    form is searched too, which shows the form that HARICA's search expects.
    """
    readings.get("all", _api.certificates_path())
    for status in _api.CERTIFICATE_STATUSES:
        readings.get(f"list/{status}", _api.certificates_by_status_path(status))
    listed = serial_to_search(readings.records("all", *CERTIFICATE_LISTS))
    if listed is not None:
        template = _api.certificates_path() + "/serial/{serial}"
        normalized = normalize_serial(listed) or ""
        search = readings.get("serial/normalized", _api.certificate_by_serial_path(normalized), template)
        as_listed = str(listed).strip()
        if not search.ok and as_listed != normalized:
            readings.get("serial/listed", _api.certificate_by_serial_path(as_listed), template)
    readings.get("enterprises", _api.enterprises_path())
    readings.get("users", _api.users_path())
    for record in readings.records("users"):
        email = Record(record).get("email", "userEmail")
        if email:
            template = _api.users_path() + "/email/{email}"
            readings.get("user_by_email", _api.user_by_email_path(str(email)), template)
            break


def serial_to_search(records: t.Iterable[t.Mapping[str, t.Any]]) -> t.Any:
    """Return the listed serial that the serial search tries, as the server wrote it.

    A serial whose listed form differs from the normalised one is preferred: first one
    with leading zeros, a prefix or separators, then one in lower case. Only such a serial
    shows whether the search expects HARICA's own form.
    """
    candidates = []
    for record in records:
        value = Record(record).get("serial", "serialNumber")
        if serial_digits(value) is not None:
            candidates.append(value)
    for differs in (_padded_or_separated, _lower_case):
        for value in candidates:
            if differs(value):
                return value
    return candidates[0] if candidates else None


def _padded_or_separated(value: t.Any) -> bool:
    digits = serial_digits(value) or ""
    return digits != str(value).strip() or (len(digits) > 1 and digits.startswith("0"))


def _lower_case(value: t.Any) -> bool:
    digits = serial_digits(value) or ""
    return digits != digits.upper()


def lookup_record(reading: Reading | None, record_keys: t.Sequence[str]) -> t.Mapping[str, t.Any] | None:
    """Return the record of a successful lookup, bare or wrapped, else None."""
    if reading is None or not reading.ok:
        return None
    try:
        return extract_one(reading.payload, path=reading.path, record_keys=record_keys)
    except HaricaError:
        return None


# Verdicts shared by the judges


def no_key(role: Role) -> Verdict:
    return Verdict(
        NOT_CHECKED,
        f"No key of the {role.harica_role} role was given: set {role.option} or {role.environment}.",
    )


def failed_read(reading: Reading) -> Verdict:
    """Judge a GET that gave no data: a rejected key or a failed transport is not checked."""
    reason = reading.failure()
    if isinstance(reading.error, HaricaAuthError):
        reason += " Check that the key belongs to a user with this role."
    return Verdict(NOT_CHECKED, reason)


def no_records(what: str) -> Verdict:
    return Verdict(NOT_CHECKED, f"No {what} was listed, so there was no record to look at.")


__all__ = (
    "ADMIN",
    "APPROVERS",
    "CERTIFICATE_LISTS",
    "DIFFERS",
    "HELD",
    "LIST_NAMES",
    "NOT_CHECKED",
    "PROBE_PATH",
    "REQUEST_LISTS",
    "ROLES",
    "STATUSES",
    "Observations",
    "ReadOnlyClient",
    "Reading",
    "Role",
    "RoleReadings",
    "Verdict",
    "failed_read",
    "lookup_record",
    "no_key",
    "no_records",
    "read_admin",
    "read_requests",
    "serial_to_search",
)
