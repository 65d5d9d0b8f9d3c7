# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: harica
short_description: HARICA CertManager certificates as inventory hosts
version_added: 0.1.0
description:
  - Lists the certificates of the enterprises of an Enterprise Admin in HARICA
    CertManager and makes one host per certificate, grouped by status, type and expiry.
  - Hosts are certificates, not machines. By default they get C(ansible_connection=local)
    and C(ansible_python_interpreter) set to the Python that runs Ansible on the
    controller, so tasks on them run there with the libraries the collection needs; see
    O(local_connection).
  - "Host names follow one rule: the certificate's primary name (its first DNS name for
    SSL certificates, its email for S/MIME and client-authentication certificates, its
    common name otherwise), in lower case, without a trailing dot, internationalised
    labels in ASCII (C(xn--)), C(*) written as C(wildcard), and C(,), C(:), C([), C(]),
    C(!), C(&), spaces and a leading C(@) replaced by C(_)."
  - When several certificates share a name, as every renewal does, the newest valid one
    gets the plain name and the others C(<name>_<serial>). A renewal therefore moves the
    plain name to the new certificate. Set O(hostname_source=serial) for names that never
    move.
  - "Groups: C(harica_valid), C(harica_expired) and C(harica_revoked) by status;
    C(harica_expiring) for the valid certificates whose validity ends within
    O(expiry_warning_days) days; and one group per type, C(harica_ssl), C(harica_smime) and
    C(harica_clientauth). The three status groups and C(harica_expiring) exist even when
    empty; a type group exists when a certificate of that type is listed. O(groups) and
    O(keyed_groups) add groups of your own."
  - "Host variables of each certificate, which O(compose), O(groups) and O(keyed_groups)
    can use:"
  - C(harica_serial_number), the serial number in upper-case hex without leading zeros.
  - C(harica_common_name), the common name of the subject, or null.
  - C(harica_names), the DNS names and then the email addresses of the subject
    alternative names.
  - C(harica_type), V(ssl), V(smime), V(clientauth), or null when HARICA's record does not
    tell.
  - C(harica_status), V(valid), V(expired) or V(revoked), computed at each run.
  - C(harica_not_before) and C(harica_not_after), the start and end of validity in UTC,
    as C(YYYY-MM-DDTHH:MM:SSZ).
  - C(harica_days_remaining), whole days until C(harica_not_after), rounded down and
    negative once it has passed, computed at each run; null when the end is unknown.
  - C(harica_issuer), the issuer's distinguished name.
  - C(harica_requester), the email address that HARICA records as the requester. For a
    bulk-issued certificate that is the uploader, the Enterprise Admin whose key sent the
    upload, not the person the certificate is for, so find that person in
    C(harica_names). This is an assumption about HARICA's records, listed with the API
    assumptions in the collection's documentation.
  - C(harica_enterprise), the id of the enterprise.
  - C(harica_transaction_id), the transaction id of the request the certificate was
    issued for, or null.
  - C(harica_certificate), the certificate in PEM, only with O(include_pem).
  - C(ansible_connection) and C(ansible_python_interpreter), unless O(local_connection)
    is off.
  - The file must be named C(harica.yml) or C(harica.yaml), or end with those names.
author:
  - HARICA CertManager collection maintainers (@harica-certmanager)
requirements:
  - requests >= 2.28
  - cryptography >= 3.4
notes:
  - The API key must belong to an Enterprise Admin. It may be a template, such as a
    lookup of a vault-encrypted file. It is never written to host variables or to the
    cache.
  - The cache stores the trimmed records the plugin reads from HARICA (with the PEM only
    when O(include_pem) is on). The inventory is rebuilt from them on every run, so
    C(harica_status), C(harica_days_remaining) and the expiry group follow the current
    time. A cache hit does not extend the cache's lifetime, and C(--flush-cache) reads
    HARICA again.
  - The default memory cache lasts one run only; use a cache plugin that keeps its data,
    such as C(ansible.builtin.jsonfile), to reuse the lists across runs.
  - With C(-v) the plugin shows each list call with its size and time.
  - Host names and values come from HARICA, and whoever requested a certificate chose its
    names, so they must never be templated. The plugin does not mark them trusted, and a
    C({{ }}) in a certificate's name stays text. ansible-core 2.19 and later treat the
    values of an inventory plugin as untrusted themselves. On earlier cores the plugin
    marks them unsafe.
  - 'Plays, templates and C(ansible-inventory --list --yaml) see the plain values. Because
    they are untrusted, C(ansible-inventory --list) writes each string value as
    C({"__ansible_unsafe": "ssl"}), so that its output, read back as an inventory, stays
    untrusted. C(--host) does the same on ansible-core before 2.19. The last example
    shows a C(jq) filter that turns that output into plain JSON.'
extends_documentation_fragment:
  - harica.certmanager.connection.plugins
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin; it must be V(harica.certmanager.harica).
    type: str
    required: true
    choices: [harica.certmanager.harica]
  statuses:
    description:
      - Which certificate lists to read.
    type: list
    elements: str
    choices: [valid, expired, revoked]
    default: [valid]
  certificate_types:
    description:
      - Only certificates of these types; all types when not set.
    type: list
    elements: str
    choices: [ssl, smime, clientauth]
  hostname_source:
    description:
      - V(name) names hosts by the rule above; V(serial) by the serial number.
    type: str
    choices: [name, serial]
    default: name
  local_connection:
    description:
      - Whether to set C(ansible_connection=local) on every host, and
        C(ansible_python_interpreter) to the Python that runs Ansible on the controller.
      - Turn this off when this inventory is merged with an inventory of the machines, so
        that a host of the same name keeps its own connection.
    type: bool
    default: true
  include_pem:
    description:
      - Whether to add the certificate's PEM as C(harica_certificate).
    type: bool
    default: false
  expiry_warning_days:
    description:
      - A valid certificate whose validity ends within this many days is put in the group
        C(harica_expiring).
    type: int
    default: 30
"""

EXAMPLES = r"""
# harica.yml: every valid and expired certificate, cached for an hour across runs.
plugin: harica.certmanager.harica
api_url: https://cm.harica.gr
api_key: "{{ lookup('ansible.builtin.file', '~/.harica/admin.key') }}"
statuses: [valid, expired]
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/harica-inventory
cache_timeout: 3600
keyed_groups:
  - key: harica_requester
    prefix: requester
groups:
  short_lived: harica_days_remaining is not none and harica_days_remaining < 7
compose:
  tls_port: 443

# ansible-inventory --list writes each value as {"__ansible_unsafe": "..."}, because the
# values are untrusted. This jq filter (jq 1.6 or later) prints the same inventory with
# plain values:
#   ansible-inventory -i harica.yml --list |
#     jq 'walk(if type == "object" and keys == ["__ansible_unsafe"] then .__ansible_unsafe else . end)'
"""

import sys
import time
import typing as t

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.release import __version__ as ANSIBLE_CORE_VERSION
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.harica.certmanager.plugins.module_utils import _api
from ansible_collections.harica.certmanager.plugins.module_utils._argspec import client_settings, plain_http_warning
from ansible_collections.harica.certmanager.plugins.module_utils._client import HAS_REQUESTS, HaricaClient
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaError
from ansible_collections.harica.certmanager.plugins.module_utils._records import LIST_WRAPPER_KEYS
from ansible_collections.harica.certmanager.plugins.module_utils._values import parse_timestamp, utc_now
from ansible_collections.harica.certmanager.plugins.plugin_utils._inventory_records import (
    assign_host_names,
    host_variables,
    status_of,
    trim_certificate,
)

display = Display()

CONNECTION_OPTIONS = ("api_url", "api_key", "validate_certs", "ca_path", "timeout", "proxy_url", "use_proxy")

# Host names and variables come from HARICA, where whoever requested a certificate chose
# its names, so they must never be templated. ansible-core 2.19 and later treat whatever
# an inventory plugin sets as untrusted. Earlier cores template a plain string when a play
# reads it, so there the plugin marks each value unsafe itself.
WRAP_UNSAFE = tuple(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2]) < (2, 19)


def untrusted(value: t.Any) -> t.Any:
    """Return the value marked unsafe on ansible-core before 2.19, else unchanged."""
    return wrap_var(value) if WRAP_UNSAFE else value


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "harica.certmanager.harica"

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith(("harica.yml", "harica.yaml"))

    def parse(self, inventory, loader, path, cache=True):  # type: ignore[no-untyped-def]
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        if not HAS_REQUESTS:
            raise AnsibleParserError("The harica.certmanager.harica inventory needs the Python library requests.")
        try:
            records = self._cached_records(path, cache)
        except HaricaError as exc:
            raise AnsibleParserError(exc.message) from None
        self._populate(records)

    # Reading, with the cache

    def _cached_records(self, path: str, cache: bool) -> list[dict]:
        key = f"{self.get_cache_key(path)}_{self._selection_key()}"
        use_cache = self.get_option("cache") and cache
        if use_cache:
            try:
                return self._cache[key]
            except KeyError:
                pass
        records = self._read_records()
        if self.get_option("cache"):
            self._cache[key] = records
        return records

    def _selection_key(self) -> str:
        """Return the options that change what is read, so another selection misses the cache."""
        parts = [self.get_option("api_url"), ",".join(self.get_option("statuses")),
                 ",".join(self.get_option("certificate_types") or []), str(self.get_option("include_pem"))]
        return "_".join(part.replace("/", "").replace(":", "") for part in parts)

    def _read_records(self) -> list[dict]:
        client = HaricaClient(client_settings(self._connection_options()), log=display.vvv)
        include_pem = self.get_option("include_pem")
        types = self.get_option("certificate_types")
        records = []
        try:
            for status in self.get_option("statuses"):
                started = time.monotonic()
                path = _api.certificates_by_status_path(status)
                count = 0
                for raw in client.iter_list(path, action=f"list the {status} certificates", wrapper_keys=LIST_WRAPPER_KEYS):
                    if not isinstance(raw, dict):
                        continue
                    count += 1
                    record = trim_certificate(raw, include_pem=include_pem)
                    if types is None or record["type"] in types:
                        records.append(record)
                display.v(f"harica: GET {path}: {count} certificates in {time.monotonic() - started:.1f} s")
        finally:
            client.close()
        return records

    def _connection_options(self) -> dict:
        options = {name: self.get_option(name) for name in CONNECTION_OPTIONS}
        key = options["api_key"]
        if key and self.templar.is_template(key):
            options["api_key"] = self.templar.template(key)
        warning = plain_http_warning(options["api_url"] or "")
        if warning:
            display.warning(warning)
        if not options["validate_certs"]:
            display.warning(f"validate_certs is false: the TLS certificate of {options['api_url']} is not checked.")
        return options

    # Building the inventory

    def _populate(self, records: list[dict]) -> None:
        now = utc_now()
        strict = self.get_option("strict")
        warning_seconds = self.get_option("expiry_warning_days") * 86400
        local = self.get_option("local_connection")
        statuses = set(self.get_option("statuses"))
        for group in ["harica_valid", "harica_expired", "harica_revoked", "harica_expiring"]:
            self.inventory.add_group(group)
        for name, record in assign_host_names(records, now=now, source=self.get_option("hostname_source")):
            if status_of(record, now) not in statuses:
                continue
            host = self.inventory.add_host(untrusted(name))
            variables = untrusted(host_variables(record, now))
            for variable, value in variables.items():
                self.inventory.set_variable(host, variable, value)
            if local:
                self.inventory.set_variable(host, "ansible_connection", "local")
                # The Python running this plugin is the controller's, which has requests
                # and cryptography; interpreter discovery may pick another one.
                self.inventory.set_variable(host, "ansible_python_interpreter", sys.executable)
            self._add_to_groups(host, variables, record, now, warning_seconds)
            self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)

    def _add_to_groups(self, host: str, variables: dict, record: dict, now, warning_seconds: int) -> None:
        status = variables["harica_status"]
        self.inventory.add_child(f"harica_{status}", host)
        if record["type"]:
            group = self.inventory.add_group(f"harica_{record['type']}")
            self.inventory.add_child(group, host)
        not_after = parse_timestamp(record["not_after"])
        if status == "valid" and not_after is not None and (not_after - now).total_seconds() <= warning_seconds:
            self.inventory.add_child("harica_expiring", host)
