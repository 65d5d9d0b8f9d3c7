#!/usr/bin/python
# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: harica_certificate_info
short_description: List and look up the certificates of a HARICA enterprise
version_added: 0.1.0
description:
  - Reads the certificates of the enterprises of an Enterprise Admin in HARICA
    CertManager, by serial number or by status, and filters them by host name, email
    address, type and time left.
  - Returns each certificate in the collection's normalised form, the same form that
    M(harica.certmanager.harica_certificate_revoke) returns.
author:
  - HARICA CertManager collection maintainers (@harica-certmanager)
requirements:
  - requests >= 2.28
  - cryptography >= 3.4
notes:
  - This is an API module. It runs where the task runs, normally on the controller
    (C(delegate_to) set to C(localhost)).
  - The lookups use the admin endpoints, so the API key must belong to an Enterprise
    Admin. An approver key gets an error that says so.
  - The filters are applied by the module, so the result is the same whether or not the
    server filters too.
extends_documentation_fragment:
  - harica.certmanager.connection
  - harica.certmanager.attributes
  - harica.certmanager.attributes.INFO_MODULE
options:
  serial_numbers:
    description:
      - Look up these serial numbers, in any hex form, compared as numbers.
      - A serial of digits only is rejected as ambiguous unless O(serial_format) says
        whether it is hex or decimal. B(Quote every serial in YAML.)
      - A serial that matches no certificate is listed in RV(not_found).
      - A list of strings, or one string of comma-separated serials.
    type: raw
    aliases: [serial_number]
  serial_format:
    description:
      - How to read a serial of digits only in O(serial_numbers).
    type: str
    choices: [hex, decimal]
  status:
    description:
      - Only certificates with this status. V(all) reads every certificate in one call.
    type: str
    choices: [valid, revoked, expired, all]
    default: all
  hostnames:
    description:
      - Only certificates whose common name or a DNS subject alternative name is one of
        these names.
      - Names are compared without regard to case or a trailing dot, and
        internationalised names in their ASCII (C(xn--)) form.
    type: list
    elements: str
  match_wildcards:
    description:
      - Whether a wildcard certificate such as C(*.example.org) matches
        V(www.example.org) in O(hostnames).
    type: bool
    default: false
  emails:
    description:
      - Only certificates that have one of these email addresses, compared without regard
        to case.
    type: list
    elements: str
  certificate_types:
    description:
      - Only certificates of these types.
    type: list
    elements: str
    choices: [ssl, smime, clientauth]
  expires_within_days:
    description:
      - Only valid certificates whose validity ends within this many days from now.
    type: int
seealso:
  - module: harica.certmanager.harica_certificate_revoke
"""

EXAMPLES = r"""
- name: Find the certificates that expire within 30 days
  harica.certmanager.harica_certificate_info:
    api_key: "{{ vault_harica_admin_key }}"
    status: valid
    expires_within_days: 30
  delegate_to: localhost
  register: expiring

- name: List them
  ansible.builtin.debug:
    msg: "{{ item.common_name }} expires {{ item.not_after }} ({{ item.days_remaining }} days)"
  loop: "{{ expiring.certificates }}"

- name: Look up one certificate by serial number
  harica.certmanager.harica_certificate_info:
    serial_numbers: ["5A:3F:0C:19:E2:B7:4D:01"]
  delegate_to: localhost
"""

RETURN = r"""
certificates:
  description: The certificates found, in the collection's normalised form.
  returned: always
  type: list
  elements: dict
  contains:
    serial_number:
      description: Serial number, upper-case hex without leading zeros.
      type: str
      sample: 5A3F0C19E2B74D01
    type:
      description: V(ssl), V(smime) or V(clientauth), or null when the record does not tell.
      type: str
      sample: ssl
    product:
      description: HARICA's name of the certificate type.
      type: str
      sample: SSL OV
    common_name:
      description: Common name of the subject.
      type: str
      sample: app.example.org
    dns_names:
      description: DNS subject alternative names, lower case, in ASCII form.
      type: list
      elements: str
      sample: [app.example.org, www.app.example.org]
    emails:
      description: Email subject alternative names, lower case.
      type: list
      elements: str
      sample: []
    given_name:
      description: Given name in the subject, as S/MIME and client-auth certificates of people carry it, or null.
      type: str
      sample: null
    surname:
      description: Surname in the subject, or null.
      type: str
      sample: null
    subject:
      description: Subject distinguished name.
      type: str
      sample: CN=app.example.org, O=Example University, C=GR
    issuer:
      description: Issuer distinguished name.
      type: str
      sample: CN=HARICA OV TLS RSA, O=Hellenic Academic and Research Institutions CA, C=GR
    status:
      description: V(valid), V(revoked) or V(expired), from the record and the current time.
      type: str
      sample: valid
    not_before:
      description: Start of validity, C(YYYY-MM-DDTHH:MM:SSZ) in UTC.
      type: str
      sample: "2026-12-01T10:02:14Z"
    not_after:
      description: End of validity, C(YYYY-MM-DDTHH:MM:SSZ) in UTC.
      type: str
      sample: "2027-06-19T10:02:14Z"
    days_remaining:
      description: Whole days until RV(certificates[].not_after), rounded down; negative once expired.
      type: int
      sample: 197
    revoked_at:
      description: When the certificate was revoked, in UTC, or null.
      type: str
      sample: null
    revocation_code:
      description: HARICA's revocation reason code, or null.
      type: str
      sample: null
    requester_email:
      description: Email address of the user who requested the certificate.
      type: str
      sample: developer@example.org
    requester_name:
      description: Name of that user.
      type: str
      sample: Dana Developer
    friendly_name:
      description: Friendly name of the certificate, if any.
      type: str
      sample: app server
    enterprise_id:
      description: Id of the enterprise (organization) the certificate belongs to.
      type: str
      sample: 2b0e4c9e-7f55-4d1b-8f0e-8c8b3f1d9a77
    transaction_id:
      description: Transaction id of the request the certificate was issued for, or null.
      type: str
      sample: 6f1c2a52-93a4-4c49-9d38-1f7e2e1b8a10
    issued_via:
      description: V(single), V(bulk) or V(acme), or null when the record does not tell.
      type: str
      sample: single
    certificate:
      description: The certificate in PEM, or null when the server does not give it.
      type: str
      sample: "-----BEGIN CERTIFICATE-----\nMIIF...\n-----END CERTIFICATE-----\n"
    chain:
      description: The issuing CA certificates in PEM, one item per certificate.
      type: list
      elements: str
      sample: []
    raw:
      description: The record exactly as the server sent it.
      type: dict
      sample: {"serial": "5A3F0C19E2B74D01", "certificateType": "SSL OV"}
not_found:
  description: The serial numbers of O(serial_numbers) that matched no certificate.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.harica.certmanager.plugins.module_utils._argspec import (
    connection_argument_spec,
    module_client,
    require_libraries,
)
from ansible_collections.harica.certmanager.plugins.module_utils._certificates import (
    CertificateStore,
    filter_certificates,
)
from ansible_collections.harica.certmanager.plugins.module_utils._values import (
    SERIAL_FORMATS,
    format_serial,
    parse_dns_names,
    parse_serials,
    utc_now,
)


def argument_spec() -> dict:
    spec = connection_argument_spec()
    spec.update(
        {
            "serial_numbers": {"type": "raw", "aliases": ["serial_number"]},
            "serial_format": {"type": "str", "choices": list(SERIAL_FORMATS)},
            "status": {"type": "str", "default": "all", "choices": ["valid", "revoked", "expired", "all"]},
            "hostnames": {"type": "list", "elements": "str"},
            "match_wildcards": {"type": "bool", "default": False},
            "emails": {"type": "list", "elements": "str"},
            "certificate_types": {"type": "list", "elements": "str", "choices": ["ssl", "smime", "clientauth"]},
            "expires_within_days": {"type": "int"},
        }
    )
    return spec


def read_certificates(store: CertificateStore, params: dict) -> tuple[list[dict], list[str]]:
    """Return the certificates the options select, and the serials that matched nothing."""
    if params["serial_numbers"] is None:
        status = params["status"]
        return (store.all() if status == "all" else store.by_status(status)), []
    numbers = parse_serials(params["serial_numbers"], serial_format=params["serial_format"])
    found = store.find_serials(numbers)
    not_found = [format_serial(number) for number in numbers if found[number] is None]
    return [record for record in found.values() if record is not None], not_found


def main() -> None:
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    require_libraries(module)
    params = module.params
    with module_client(module) as client:
        now = utc_now()
        hostnames = params["hostnames"]
        certificates, not_found = read_certificates(CertificateStore(client, now=now), params)
        selected = filter_certificates(
            certificates,
            now=now,
            statuses=None if params["status"] == "all" else [params["status"]],
            hostnames=parse_dns_names(hostnames, option="hostnames") if hostnames is not None else None,
            emails=[email.strip().lower() for email in params["emails"]] if params["emails"] is not None else None,
            types=params["certificate_types"],
            expires_within_days=params["expires_within_days"],
            match_wildcards=params["match_wildcards"],
        )
        module.exit_json(changed=False, certificates=selected, not_found=not_found)


if __name__ == "__main__":
    main()
