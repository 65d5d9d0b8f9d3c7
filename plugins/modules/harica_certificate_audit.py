#!/usr/bin/python
# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: harica_certificate_audit
short_description: Check that live services serve the certificate HARICA expects
version_added: 0.1.0
description:
  - Connects to each service with TLS, reads the leaf certificate it serves, and compares
    it with the certificates that HARICA CertManager lists for the enterprises of an
    Enterprise Admin.
  - For each service, the B(expected) certificate is HARICA's newest valid certificate
    for the service's name, by start of validity and then by serial number.
  - Each difference is a finding with a code and a sentence. The codes are
    V(unreachable) (the connection or the TLS handshake failed), V(not_from_harica) (the
    served serial is not in HARICA's records), V(revoked), V(expired),
    V(name_mismatch) (the served certificate does not cover the name), V(not_newest)
    (the served certificate is a valid HARICA certificate for the name, but a newer
    valid one exists) and V(no_harica_certificate) (HARICA has no valid certificate for
    the name).
  - HARICA's other valid certificates for a name are listed under
    RV(services[].superseded). They are no finding, because a certificate stays valid
    for a while after its successor is installed.
  - The output is sorted and contains no time of the run, so the same certificates give
    the same result. The role C(harica.certmanager.certificate_audit) renders
    RV(report) as JSON and HTML.
author:
  - HARICA CertManager collection maintainers (@harica-certmanager)
requirements:
  - requests >= 2.28
  - cryptography >= 3.4
notes:
  - This is an API module. It runs where the task runs, normally on the controller
    (C(delegate_to) set to C(localhost)), and the TLS connections to the services start
    from that host too.
  - HARICA's certificates are read once, from the admin endpoint that lists every
    certificate, so the API key must belong to an Enterprise Admin.
  - The probes do not verify the served certificate, its chain or its host name, because
    the point is to read what a service serves even when it is wrong. No API key or other
    secret is sent to the services.
  - The probes run in parallel, at most 8 at a time.
extends_documentation_fragment:
  - harica.certmanager.connection
  - harica.certmanager.attributes
  - harica.certmanager.attributes.INFO_MODULE
options:
  services:
    description:
      - The services to audit.
      - Entries are audited and returned sorted by name, port and address. Two entries with
        the same name, port and address are rejected.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Host name of the service. The module sends it as the TLS server name (SNI) and
            looks up HARICA's certificates for it.
          - Compared without regard to case or a trailing dot, and internationalised names
            in their ASCII (C(xn--)) form. A wildcard name is rejected.
        type: str
        required: true
      port:
        description:
          - TCP port of the service.
        type: int
        default: 443
      address:
        description:
          - Host name or IP address to connect to, when it differs from O(services[].name),
            for example one node behind a load balancer.
          - If not set, the module connects to O(services[].name).
        type: str
  probe_timeout:
    description:
      - Seconds to wait for the TCP connection and for each step of the TLS handshake of
        one service. A service that does not respond in time gets the finding
        V(unreachable).
    type: float
    default: 10
  match_wildcards:
    description:
      - Whether a wildcard certificate such as C(*.example.org) covers the name
        V(www.example.org), both when the module selects HARICA's certificates for a name
        and when it checks that the served certificate covers the name.
      - A wildcard covers exactly one label, so C(*.example.org) covers neither
        V(example.org) nor V(a.b.example.org).
    type: bool
    default: true
seealso:
  - module: harica.certmanager.harica_certificate_info
"""

EXAMPLES = r"""
- name: Audit two web servers, one of them on a second port
  harica.certmanager.harica_certificate_audit:
    api_key: "{{ vault_harica_admin_key }}"
    services:
      - name: www.example.org
      - name: app.example.org
        port: 8443
        address: 192.0.2.10
  delegate_to: localhost
  register: audit

- name: Show each finding
  ansible.builtin.debug:
    msg: "{{ item.name }}:{{ item.port }} {{ item.code }}: {{ item.message }}"
  loop: "{{ audit.report.findings }}"

- name: Fail when a service serves a certificate other than the expected one
  ansible.builtin.assert:
    that: audit.findings_count == 0
    fail_msg: "{{ audit.report.findings | map(attribute='message') | join(' ') }}"
"""

RETURN = r"""
services:
  description: One entry per audited service, sorted by name, port and address.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Host name of the service, normalised.
      type: str
      sample: www.example.org
    port:
      description: TCP port of the service.
      type: int
      sample: 443
    address:
      description: Host name or address the module connected to.
      type: str
      sample: www.example.org
    served:
      description:
        - Summary of the served leaf certificate, or null when it could not be read.
        - C(status) is HARICA's status when the certificate is in HARICA's records, else
          V(valid) or V(expired) from its validity.
      type: dict
      sample:
        serial_number: 5A3F0C19E2B74D01
        common_name: www.example.org
        dns_names: [www.example.org]
        issuer: CN=HARICA OV TLS RSA,O=Hellenic Academic and Research Institutions CA,C=GR
        not_before: "2026-06-01T10:02:14Z"
        not_after: "2026-12-17T10:02:14Z"
        status: valid
        from_harica: true
    expected_serial:
      description: Serial number of the expected certificate, or null when HARICA has no valid certificate for the name.
      type: str
      sample: 7C11E04B9A2D3F65
    expected:
      description: Summary of the expected certificate, with the keys of RV(services[].served) but C(from_harica), or null.
      type: dict
      sample:
        serial_number: 7C11E04B9A2D3F65
        common_name: www.example.org
        dns_names: [www.example.org]
        issuer: CN=HARICA OV TLS RSA, O=Hellenic Academic and Research Institutions CA, C=GR
        not_before: "2026-11-20T08:40:00Z"
        not_after: "2027-06-07T08:40:00Z"
        status: valid
    findings:
      description:
        - The findings, in the order of the codes in the module description.
        - Each has C(code) and C(message). V(unreachable) adds C(error). The findings on
          the served certificate add its C(serial_number), and V(not_newest) adds
          C(newer_serial_number), the serial of the expected certificate.
      type: list
      elements: dict
      sample:
        - code: not_newest
          message: >-
            The served certificate 5A3F0C19E2B74D01 is valid, but HARICA has a newer valid
            certificate for www.example.org: 7C11E04B9A2D3F65.
          serial_number: 5A3F0C19E2B74D01
          newer_serial_number: 7C11E04B9A2D3F65
    superseded:
      description:
        - HARICA's valid certificates for the name other than the expected one, newest
          first, with the keys of RV(services[].expected). They are no finding.
      type: list
      elements: dict
      sample:
        - serial_number: 5A3F0C19E2B74D01
          common_name: www.example.org
          dns_names: [www.example.org]
          issuer: CN=HARICA OV TLS RSA, O=Hellenic Academic and Research Institutions CA, C=GR
          not_before: "2026-06-01T10:02:14Z"
          not_after: "2026-12-17T10:02:14Z"
          status: valid
    harica_serials:
      description: Serial numbers of all of HARICA's certificates for the name, whatever their status, newest first.
      type: list
      elements: str
      sample: [7C11E04B9A2D3F65, 5A3F0C19E2B74D01]
findings_count:
  description: Number of findings over all services.
  returned: always
  type: int
  sample: 1
report:
  description:
    - The data that the role C(harica.certmanager.certificate_audit) renders. It contains
      no time of the run, so an unchanged state gives an unchanged report.
  returned: always
  type: dict
  contains:
    format:
      description: Version of the layout of the report, V(1).
      type: int
      sample: 1
    services:
      description: The same list as RV(services).
      type: list
      elements: dict
      sample: []
    findings:
      description: Every finding of every service, each with the C(name), C(port) and C(address) of its service added.
      type: list
      elements: dict
      sample:
        - name: www.example.org
          port: 443
          address: www.example.org
          code: not_newest
          message: >-
            The served certificate 5A3F0C19E2B74D01 is valid, but HARICA has a newer valid
            certificate for www.example.org: 7C11E04B9A2D3F65.
          serial_number: 5A3F0C19E2B74D01
          newer_serial_number: 7C11E04B9A2D3F65
    findings_count:
      description: The same number as RV(findings_count).
      type: int
      sample: 1
    finding_counts:
      description: Number of findings of each code, every code included.
      type: dict
      sample: {"unreachable": 0, "not_from_harica": 0, "revoked": 0, "expired": 0, "name_mismatch": 0, "not_newest": 1, "no_harica_certificate": 0}
    certificates:
      description:
        - One entry per certificate the report mentions, served or HARICA's for an
          audited name, sorted by end of validity and then by serial number.
        - C(served_by) lists the services (C(name:port)) that serve it, C(expected_for)
          and C(superseded_for) the names for which it is expected or superseded.
      type: list
      elements: dict
      sample:
        - serial_number: 5A3F0C19E2B74D01
          common_name: www.example.org
          dns_names: [www.example.org]
          not_before: "2026-06-01T10:02:14Z"
          not_after: "2026-12-17T10:02:14Z"
          status: valid
          from_harica: true
          served_by: ["www.example.org:443"]
          expected_for: []
          superseded_for: [www.example.org]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.harica.certmanager.plugins.module_utils._argspec import (
    connection_argument_spec,
    module_client,
    require_libraries,
)
from ansible_collections.harica.certmanager.plugins.module_utils._audit import DEFAULT_PORT, audit, parse_services
from ansible_collections.harica.certmanager.plugins.module_utils._audit_probe import probe_all
from ansible_collections.harica.certmanager.plugins.module_utils._certificates import CertificateStore
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaInputError
from ansible_collections.harica.certmanager.plugins.module_utils._values import utc_now


def argument_spec() -> dict:
    spec = connection_argument_spec()
    spec.update(
        {
            "services": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "name": {"type": "str", "required": True},
                    "port": {"type": "int", "default": DEFAULT_PORT},
                    "address": {"type": "str"},
                },
            },
            "probe_timeout": {"type": "float", "default": 10.0},
            "match_wildcards": {"type": "bool", "default": True},
        }
    )
    return spec


def main() -> None:
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    require_libraries(module)
    params = module.params
    with module_client(module) as client:
        if params["probe_timeout"] <= 0:
            raise HaricaInputError(
                f"probe_timeout {params['probe_timeout']!r} is invalid: give a number of seconds above 0."
            )
        services = parse_services(params["services"])
        now = utc_now()
        harica_certificates = CertificateStore(client, now=now).all()
        targets = [(service.address, service.port, service.name) for service in services]
        results = probe_all(targets, timeout=params["probe_timeout"])
        outcome = audit(services, results, harica_certificates, now=now, match_wildcards=params["match_wildcards"])
        module.exit_json(changed=False, **outcome)


if __name__ == "__main__":
    main()
