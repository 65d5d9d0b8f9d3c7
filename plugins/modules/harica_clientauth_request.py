#!/usr/bin/python
# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: harica_clientauth_request
short_description: Accept or cancel client-authentication certificate requests in HARICA CertManager
version_added: 0.1.0
description:
  - Declares the state of a client-authentication certificate request as a Client Auth Enterprise
    Approver handles it in HARICA CertManager, the way
    M(harica.certmanager.harica_ssl_request) does for SSL.
  - With O(state=accepted), accepts the pending request, optionally waits until HARICA
    issues the certificate, and writes the certificate, its chain and the full chain to
    files. With O(state=cancelled), cancels a request that is pending or accepted but
    not issued.
  - The module reads the request first and sends a change only when one is needed, so
    running it again changes nothing.
author:
  - HARICA CertManager collection maintainers (@harica-certmanager)
requirements:
  - requests >= 2.28
  - cryptography >= 3.4
notes:
  - This is an API module. It runs where the task runs, normally on the controller
    (C(delegate_to) set to C(localhost)), and the certificate files are written there.
  - The API key must belong to a user with the Client Auth Enterprise Approver role. HARICA refuses an approver
    who accepts a request they submitted themselves.
  - A request's names are the email addresses of its subject alternative names. The
    C(smime) and C(clientauth) forms of the approver paths follow the SSL ones, as
    HARICA's manual says; their record fields are guesses, listed on the API
    assumptions page of the collection.
  - A request HARICA holds for its own review counts as accepted, as for SSL.
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
  emails:
    description:
      - Select the request whose email addresses are exactly these, in any order,
        compared without regard to case.
      - With O(state=accepted), the one pending request with these addresses is accepted;
        several pending matches are an error that lists them. With none pending, the
        newest ready or completed match is used.
      - With O(state=cancelled), the pending or ready match is cancelled; with none, the
        newest completed or cancelled match is reported.
    type: list
    elements: str
seealso:
  - module: harica.certmanager.harica_ssl_request
  - module: harica.certmanager.harica_request_info
"""

EXAMPLES = r"""
- name: Accept the client-authentication request of a new member of staff and keep the certificate
  harica.certmanager.harica_clientauth_request:
    api_key: "{{ vault_harica_clientauth_approver_key }}"
    emails:
      - device1@example.org
    wait: true
    certificate_path: /srv/pki/device1@example.org.crt
    mode: "0644"
  delegate_to: localhost

- name: Cancel a client-authentication request that is no longer wanted
  harica.certmanager.harica_clientauth_request:
    transaction_id: 6f1c2a52-93a4-4c49-9d38-1f7e2e1b8a10
    state: cancelled
    comment: The account was closed
  delegate_to: localhost
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
      sample: clientauth
    status:
      description: One of V(pending), V(ready), V(completed) and V(cancelled).
      type: str
      sample: completed
    product:
      description: HARICA's product of the request, such as V(DV), V(OV) or V(EV).
      type: str
      sample: CLIENT_AUTHENTICATION_IV
    names:
      description: The email addresses the request covers, lower case.
      type: list
      elements: str
      sample: [device1@example.org]
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
      sample: /srv/pki/device1@example.org.crt
    changed:
      description: Whether the content or the attributes of the file changed.
      type: bool
      sample: true
    backup_file:
      description: Path of the backup copy, when O(backup=true) and the file was replaced.
      type: str
      sample: /srv/pki/device1@example.org.crt.12345.2026-12-04@10:02:14~
msg:
  description: A sentence that describes what happened.
  returned: always
  type: str
  sample: client authentication request 6f1c2a52-93a4-4c49-9d38-1f7e2e1b8a10 was accepted; its status is completed.
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
      sample: /cm/v1/enterprise/accept/clientauth
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


def main() -> None:
    module = AnsibleModule(**request_module_kwargs("emails"))
    require_libraries(module)
    with module_client(module) as client:
        emails = module.params["emails"]
        names = [email.strip().lower() for email in emails] if emails is not None else None
        module.exit_json(**RequestTask(module, client, request_type="clientauth", names=names).run())


if __name__ == "__main__":
    main()
