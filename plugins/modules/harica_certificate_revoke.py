#!/usr/bin/python
# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: harica_certificate_revoke
short_description: Revoke HARICA certificates by serial number, host name or request
version_added: 0.1.0
description:
  - Declares that the selected certificates are revoked in HARICA CertManager, for
    example "no valid certificate for these host names" when a host is decommissioned.
  - Select certificates by O(serial_numbers), by O(hostnames), or, as an approver, by the
    O(transaction_ids) of the requests they were issued for.
  - An already revoked certificate is not an error and not a change, and an expired one is
    left as it is. Every check (shared certificates, the safety limit, missing targets,
    the revoke path) runs before the first revoke is sent, so a bad selection revokes
    nothing.
author:
  - HARICA CertManager collection maintainers (@harica-certmanager)
requirements:
  - requests >= 2.28
  - cryptography >= 3.4
notes:
  - This is an API module. It runs where the task runs, normally on the controller
    (C(delegate_to) set to C(localhost)).
  - O(serial_numbers) and O(hostnames) need an Enterprise Admin key, and use the admin
    revoke paths. O(transaction_ids) need the approver key of the O(certificate_type),
    and use the approver revoke paths.
  - HARICA revokes a certificate only through the path of how it was issued (singly, in
    bulk or through ACME). With O(revoke_type=auto), the module reads that from the
    certificate record and never tries a second path after an error.
  - Only the reason code C(4.9.1.1.1.1) (O(reason=unspecified)) is confirmed to be
    accepted by HARICA. The codes of the other reasons are inferred from the CA/Browser
    Forum Baseline Requirements, section 4.9.1.1; if HARICA rejects one, the error says so.
extends_documentation_fragment:
  - harica.certmanager.connection
  - harica.certmanager.attributes
attributes:
  check_mode:
    support: full
    details:
      - Check mode lists the certificates a real run would revoke and sends no revoke.
  diff_mode:
    support: full
    details:
      - The diff shows the status of each selected certificate before and after.
  idempotent:
    description:
      - Running the task again with the same options changes nothing.
    support: full
options:
  serial_numbers:
    description:
      - Serial numbers of the certificates to revoke.
      - Any hex form is accepted, such as V(5A3F0C19), V(5a:3f:0c:19) or V(0x5A3F0C19).
        Serials are compared as numbers, so case and leading zeros do not matter.
      - A serial of digits only is rejected as ambiguous unless O(serial_format) says
        whether it is hex or decimal.
      - B(Quote every serial in YAML.) An unquoted V(0x1F), V(012) or V(12:34:56) is read
        by YAML as a number, and the module rejects it before sending any request.
      - Each serial that matches no certificate counts as missing; see O(missing).
      - A list of strings, or one string of comma-separated serials.
    type: raw
    aliases: [serial_number]
  serial_format:
    description:
      - How to read a serial of digits only in O(serial_numbers).
    type: str
    choices: [hex, decimal]
  hostnames:
    description:
      - Host names whose certificates to revoke. A certificate is selected when its common
        name or one of its DNS subject alternative names is one of these names.
      - Names are compared without regard to case or a trailing dot, and
        internationalised names in their ASCII (C(xn--)) form.
      - Finding no valid certificate is the desired state. A name that no certificate of
        any status covers gives a warning, since it may be a typo.
    type: list
    elements: str
  match_wildcards:
    description:
      - Whether a wildcard certificate such as C(*.example.org) counts as a certificate
        of V(www.example.org). A wildcard covers exactly one label.
      - A wildcard certificate always covers names that are not listed, so it is a shared
        certificate; see O(shared).
    type: bool
    default: false
  transaction_ids:
    description:
      - Transaction ids of completed requests whose certificates to revoke, as an
        approver. Requires O(certificate_type).
      - A request that is not completed has no certificate and counts as missing.
    type: list
    elements: str
  certificate_type:
    description:
      - Type of the requests named by O(transaction_ids).
    type: str
    choices: [ssl, smime, clientauth]
  shared:
    description:
      - What to do with a certificate selected by O(hostnames) that also covers names not
        in O(hostnames), because it may serve another host.
      - V(fail) fails before revoking anything and lists the other names.
      - V(revoke) revokes such certificates too. V(skip) leaves them, reported as
        V(skipped).
    type: str
    choices: [fail, revoke, skip]
    default: fail
  revoke_type:
    description:
      - Which admin revoke path to use for O(serial_numbers) and O(hostnames).
      - V(auto) reads how each certificate was issued from its record, and fails before
        any revoke when a record does not tell.
      - V(single), V(bulk) and V(acme) use that path for every certificate.
    type: str
    choices: [auto, single, bulk, acme]
    default: auto
  reason:
    description:
      - Reason for the revocation. The module sends the matching HARICA code.
      - V(unspecified) (C(4.9.1.1.1.1), confirmed), V(privilege_withdrawn)
        (C(4.9.1.1.1.2)), V(key_compromise) (C(4.9.1.1.1.3)), V(superseded)
        (C(4.9.1.1.1.5)) and V(cessation_of_operation) (C(4.9.1.1.2.9)); all but the first
        are inferred.
      - Defaults to V(unspecified) when neither O(reason) nor O(reason_code) is given.
    type: str
    choices: [unspecified, privilege_withdrawn, key_compromise, superseded, cessation_of_operation]
  reason_code:
    description:
      - A raw HARICA reason code to send in place of O(reason), such as V(4.9.1.1.1.1).
    type: str
  comment:
    description:
      - Text sent to HARICA as the C(message) field of the revoke call.
      - The option is not called C(message) because Ansible reserves that name.
    type: str
    default: ''
  inform_user:
    description:
      - Whether HARICA notifies the certificate's owner of the revocation.
    type: bool
    default: true
  state:
    description:
      - The only state is V(revoked).
    type: str
    choices: [revoked]
    default: revoked
  missing:
    description:
      - What to do when a serial number or transaction id matches no certificate.
      - V(fail) fails before revoking anything. V(ignore) reports it as V(not_found) and
        revokes the rest.
      - Has no effect on O(hostnames), where finding nothing is the desired state.
    type: str
    choices: [fail, ignore]
    default: fail
  max_certificates:
    description:
      - The maximum number of certificates one run may revoke. A selection above it fails before
        anything is revoked, so that a typo in a host name cannot revoke half the
        enterprise.
    type: int
    default: 10
seealso:
  - module: harica.certmanager.harica_certificate_info
  - module: harica.certmanager.harica_ssl_request
  - name: CA/Browser Forum Baseline Requirements, section 4.9.1.1
    description: The reasons for revoking a subscriber certificate.
    link: https://cabforum.org/working-groups/server/baseline-requirements/
"""

EXAMPLES = r"""
- name: Revoke every valid certificate of a decommissioned host
  harica.certmanager.harica_certificate_revoke:
    api_key: "{{ vault_harica_admin_key }}"
    hostnames:
      - "{{ inventory_hostname }}"
    reason: cessation_of_operation
    comment: Host decommissioned
  delegate_to: localhost

- name: Revoke a certificate whose key leaked
  harica.certmanager.harica_certificate_revoke:
    serial_numbers:
      - "5A:3F:0C:19:E2:B7:4D:01"
    reason: key_compromise
  delegate_to: localhost
  register: revocation

- name: Show what happened to each certificate
  ansible.builtin.debug:
    msg: "{{ item.serial_number }}: {{ item.result }}"
  loop: "{{ revocation.certificates }}"

- name: As an approver, revoke the certificate of a request
  harica.certmanager.harica_certificate_revoke:
    api_key: "{{ vault_harica_ssl_approver_key }}"
    transaction_ids:
      - 6f1c2a52-93a4-4c49-9d38-1f7e2e1b8a10
    certificate_type: ssl
  delegate_to: localhost
"""

RETURN = r"""
certificates:
  description:
    - One record per selected certificate, and one per serial number or transaction id
      that matched nothing.
    - Returned on failure too, except when an option is invalid, so that a playbook sees
      what happened to each certificate.
    - The record has the fields of the normalised certificate record (see
      M(harica.certmanager.harica_certificate_info)) except the PEM and the raw record,
      with RV(certificates[].status) after the run and the keys below.
  returned: always
  type: list
  elements: dict
  contains:
    serial_number:
      description: Serial number, upper-case hex without leading zeros.
      type: str
      sample: 5A3F0C19E2B74D01
    dns_names:
      description: DNS names of the certificate.
      type: list
      elements: str
      sample: [app.example.org]
    status:
      description: V(valid), V(revoked) or V(expired) after the run (predicted in check mode); null when not found.
      type: str
      sample: revoked
    selected_by:
      description: The selector that chose the certificate.
      type: str
      sample: hostname app.example.org
    result:
      description:
        - V(revoked) when this run revoked it (in check mode, would revoke it).
        - V(already_revoked), V(expired), V(skipped) (a shared certificate with
          O(shared=skip), or left because the selection failed), V(not_found) or
          V(failed).
      type: str
      sample: revoked
    detail:
      description: Why the certificate got its result, or the server's message for V(failed).
      type: str
      sample: The certificate has expired, so it is left as it is.
    shared_names:
      description: Names of the certificate that were not in O(hostnames).
      type: list
      elements: str
      sample: [other.example.org]
msg:
  description: A count of the results.
  returned: always
  type: str
  sample: "Certificates: 1 revoked, 1 already revoked."
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.harica.certmanager.plugins.module_utils._argspec import module_client, require_libraries
from ansible_collections.harica.certmanager.plugins.module_utils._revoke_task import (
    RevokeTask,
    revoke_module_kwargs,
)


def main() -> None:
    module = AnsibleModule(**revoke_module_kwargs())
    require_libraries(module)
    with module_client(module) as client:
        module.exit_json(**RevokeTask(module, client).run())


if __name__ == "__main__":
    main()
