#!/usr/bin/python
# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: harica_ssl_request
short_description: Accept or cancel SSL certificate requests in HARICA CertManager
version_added: 0.1.0
description:
  - Declares the state of an SSL (TLS server) certificate request as an SSL Enterprise
    Approver handles it in HARICA CertManager.
  - With O(state=accepted), accepts the pending request, optionally waits until HARICA
    issues the certificate, and writes the certificate, its chain and the full chain to
    files.
  - With O(state=cancelled), cancels a request that is pending or accepted but not issued.
  - The module reads the request first and sends a change only when one is needed, so
    running it again changes nothing.
author:
  - HARICA CertManager collection maintainers (@harica-certmanager)
requirements:
  - requests >= 2.28
  - cryptography >= 3.4
notes:
  - This is an API module. It runs where the task runs, normally on the controller
    (C(delegate_to) set to C(localhost)), and the files named by O(certificate_path),
    O(chain_path) and O(fullchain_path) are written there.
  - The API key must belong to a user with the SSL Enterprise Approver role; an Enterprise
    Admin key is refused. HARICA
    refuses an approver who accepts a request they submitted themselves.
  - HARICA keeps a request that it flags as high-risk for its own review after an
    approver accepts it. Such a request stays C(pending) with its review fields set; the
    module counts it as accepted and reports RV(result=held).
  - Which record field carries the issued certificate for an approver is not documented
    by HARICA. The module reads C(certificate) (PEM or base64 DER) and C(pemBundle); when
    neither is given, the approval still succeeds and RV(certificate) is null.
extends_documentation_fragment:
  - harica.certmanager.connection
  - harica.certmanager.request
  - harica.certmanager.attributes
  - harica.certmanager.attributes.FILES
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    details:
      - Check mode never waits for issuance.
  diff_mode:
    support: full
  idempotent:
    description:
      - Running the task again with the same options changes nothing.
    support: full
  safe_file_operations:
    support: full
options:
  domains:
    description:
      - Select the request whose names are exactly these names, in any order.
      - A request's names are its domains, plus C(www.) followed by each domain that the
        request flags to include C(www). For a request for V(example.org) with that
        flag, give V([example.org, www.example.org]).
      - Names are compared without regard to case or a trailing dot, and
        internationalised names in their ASCII (C(xn--)) form.
      - With O(state=accepted), the one pending request with these names is accepted;
        several pending matches are an error that lists them. With none pending, the
        newest ready or completed match is used, so a second run finds the request the
        first run accepted.
      - With O(state=cancelled), the pending or ready match is cancelled; with none, the
        newest completed or cancelled match is reported.
    type: list
    elements: str
seealso:
  - name: HARICA CertManager
    description: The web interface where requesters submit SSL requests and approvers see them.
    link: https://cm.harica.gr
"""

EXAMPLES = r"""
- name: Accept the pending request for a new service and install its certificate
  harica.certmanager.harica_ssl_request:
    api_key: "{{ harica_approver_key }}"
    domains:
      - app.example.org
    state: accepted
    comment: Approved by the deployment pipeline
    wait: true
    wait_timeout: 900
    certificate_path: /etc/pki/tls/certs/app.example.org.crt
    chain_path: /etc/pki/tls/certs/app.example.org.chain.crt
    fullchain_path: /etc/pki/tls/certs/app.example.org.fullchain.crt
    mode: "0644"
  delegate_to: localhost
  register: approval

- name: Show the serial number of the issued certificate
  ansible.builtin.debug:
    msg: "Issued {{ approval.request.serial_number }}, valid until {{ approval.request.not_after }}"
  when: approval.certificate is not none

- name: Cancel a request that is no longer wanted
  harica.certmanager.harica_ssl_request:
    transaction_id: 6f1c2a52-93a4-4c49-9d38-1f7e2e1b8a10
    state: cancelled
    comment: The service was not deployed
    inform_user: true
  delegate_to: localhost

- name: Set the connection once for every HARICA task of a play
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/harica.certmanager.harica:
      api_url: https://cm-stg.harica.gr
      api_key: "{{ vault_harica_ssl_approver_key }}"
  tasks:
    - name: Accept the request of the staging web server
      harica.certmanager.harica_ssl_request:
        domains: [staging.example.org]
"""

RETURN = r"""
result:
  description:
    - What the run did to the request.
    - V(accepted) and V(cancelled) mean this run sent the change (in check mode, that it
      would). V(already_accepted), V(already_cancelled) and V(held) mean the request was
      already in the desired state. V(not_found) means no request matched with
      O(state=cancelled).
  returned: success
  type: str
  sample: accepted
request:
  description:
    - The request as the server stores it after the run, in the collection's normalised
      form. In check mode, the status that a real run would leave.
    - Null when no request matched.
  returned: success, and on a failure after the request was read
  type: dict
  contains:
    transaction_id:
      description: Transaction id of the request.
      type: str
      sample: 6f1c2a52-93a4-4c49-9d38-1f7e2e1b8a10
    type:
      description: Request type.
      type: str
      sample: ssl
    status:
      description: One of V(pending), V(ready), V(completed) and V(cancelled).
      type: str
      sample: completed
    product:
      description: HARICA's product of the request, such as V(DV), V(OV) or V(EV).
      type: str
      sample: OV
    domains:
      description: The requested domains, each with its C(name) and C(includes_www) flag.
      type: list
      elements: dict
      sample: [{"name": "app.example.org", "includes_www": false}]
    names:
      description: All names the request covers, lower case, in ASCII form.
      type: list
      elements: str
      sample: [app.example.org]
    requester_email:
      description: Email address of the requester.
      type: str
      sample: developer@example.org
    requester_name:
      description: Name of the requester.
      type: str
      sample: Maria Papadopoulou
    friendly_name:
      description: Friendly name of the request, if any.
      type: str
      sample: app server
    requested_at:
      description: When the request was submitted, as C(YYYY-MM-DDTHH:MM:SSZ) in UTC.
      type: str
      sample: "2026-12-01T09:30:00Z"
    reviewed_at:
      description: When an approver acted on the request, in UTC, or null.
      type: str
      sample: "2026-12-01T10:02:13Z"
    reviewed_by:
      description: Who acted on the request, or null.
      type: str
      sample: approver@example.org
    is_high_risk:
      description: Whether HARICA flags the request for its own review.
      type: bool
      sample: false
    is_revoked:
      description: Whether the issued certificate has been revoked.
      type: bool
      sample: false
    serial_number:
      description: Serial number of the issued certificate, upper-case hex without leading zeros.
      type: str
      sample: 5A3F0C19E2B74D01
    not_after:
      description: End of the certificate's validity in UTC, or null before issuance.
      type: str
      sample: "2027-06-19T10:02:14Z"
    days_remaining:
      description: Whole days until RV(request.not_after), rounded down; negative once expired.
      type: int
      sample: 198
    certificate:
      description: The issued certificate in PEM, or null.
      type: str
      sample: "-----BEGIN CERTIFICATE-----\nMIIF...\n-----END CERTIFICATE-----\n"
    chain:
      description: The issuing CA certificates in PEM, one item per certificate.
      type: list
      elements: str
      sample: ["-----BEGIN CERTIFICATE-----\nMIIF...\n-----END CERTIFICATE-----\n"]
    raw:
      description: The record exactly as the server sent it.
      type: dict
      sample: {"transactionId": "6f1c2a52-93a4-4c49-9d38-1f7e2e1b8a10", "transactionStatus": "Completed"}
certificate:
  description:
    - The issued certificate in PEM.
    - Null until the certificate is issued, or when the server gives no PEM to this key.
  returned: success
  type: str
  sample: "-----BEGIN CERTIFICATE-----\nMIIF...\n-----END CERTIFICATE-----\n"
chain:
  description: The issuing CA certificates in PEM, concatenated, or null.
  returned: success
  type: str
  sample: "-----BEGIN CERTIFICATE-----\nMIIF...\n-----END CERTIFICATE-----\n"
files:
  description: The files the run wrote or checked.
  returned: success
  type: list
  elements: dict
  contains:
    option:
      description: The option that names the file.
      type: str
      sample: certificate_path
    path:
      description: Path of the file.
      type: str
      sample: /etc/pki/tls/certs/app.example.org.crt
    changed:
      description: Whether the content or the attributes of the file changed.
      type: bool
      sample: true
    backup_file:
      description: Path of the backup copy, when O(backup=true) and the file was replaced.
      type: str
      sample: /etc/pki/tls/certs/app.example.org.crt.12345.2026-12-04@10:02:14~
msg:
  description: A sentence that describes what happened.
  returned: always
  type: str
  sample: SSL request 6f1c2a52-93a4-4c49-9d38-1f7e2e1b8a10 was accepted; its status is completed.
error:
  description:
    - Details of a failed API call, so that a playbook can branch on them.
  returned: when an API call failed
  type: dict
  contains:
    method:
      description: HTTP method of the failed call.
      type: str
      sample: POST
    path:
      description: URL path of the failed call.
      type: str
      sample: /cm/v1/enterprise/accept/ssl
    status:
      description: HTTP status of the response, or null when none arrived.
      type: int
      sample: 503
    server_message:
      description: The message the server gave, if any.
      type: str
      sample: Service unavailable
    body_excerpt:
      description: The start of the response body, with markup removed.
      type: str
      sample: '{"message": "Service unavailable"}'
    outcome_unknown:
      description: Whether the call may have changed state although no success response arrived.
      type: bool
      sample: true
    kind:
      description: Class of the failure, such as C(HaricaAuthError) or C(HaricaTimeoutError).
      type: str
      sample: HaricaServerError
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.harica.certmanager.plugins.module_utils._argspec import module_client, require_libraries
from ansible_collections.harica.certmanager.plugins.module_utils._request_task import (
    RequestTask,
    request_module_kwargs,
)
from ansible_collections.harica.certmanager.plugins.module_utils._values import parse_dns_names


def main() -> None:
    module = AnsibleModule(**request_module_kwargs("domains"))
    require_libraries(module)
    with module_client(module) as client:
        domains = module.params["domains"]
        names = parse_dns_names(domains, option="domains") if domains is not None else None
        result = RequestTask(module, client, request_type="ssl", names=names).run()
        module.exit_json(**result)


if __name__ == "__main__":
    main()
