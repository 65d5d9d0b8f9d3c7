#!/usr/bin/python
# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: harica_bulk_issue
short_description: Issue S/MIME and client-authentication certificates in bulk
version_added: 0.1.0
description:
  - Declares that each person or device of a list has a valid certificate of one type in
    HARICA CertManager, and that its files are in O(dest).
  - The module reads the enterprise's valid certificates first and uploads, through
    HARICA's bulk CSV endpoint, only the rows that have none. With nothing to issue,
    nothing is sent, so the task can run again and again.
  - Every row is checked before anything is sent, and every problem of every row is
    reported at once, with its row number and field, sorted by row and then by field.
    The failure message counts the problems on its first line and gives each problem on a
    line of its own. RV(invalid_rows) lists them too.
    The checks include that every address is in one of the enterprise's domains or in a
    subdomain of one, so the module reads the enterprise first. When the enterprise
    record lists no domains, that check is skipped with a warning.
  - HARICA may still reject rows for a rule that the module does not check, such as the
    64-character limit of a common name. It then issues no row of the batch. The failure
    message starts with the count of the results, then counts the rows that HARICA
    rejected, quotes HARICA's message and counts the other rows of the batch. Each problem
    that HARICA named follows on a line of its own. RV(msg) describes the format.
  - An upload is never sent twice. When its outcome is lost (a timeout, a dropped
    connection, a 5xx status, or HARICA's 200 response with an empty body or an empty zip),
    the module reads the certificates again for up to O(settle_timeout) seconds and
    reports each row as issued or not.
  - Once an upload was sent, every failure still returns RV(entries) and RV(batches),
    with C(changed) true when an upload issued certificates or may have.
author:
  - HARICA CertManager collection maintainers (@harica-certmanager)
requirements:
  - requests >= 2.28
  - cryptography >= 3.4
notes:
  - This is an API module. It runs where the task runs, normally on the controller
    (C(delegate_to) set to C(localhost)), and O(dest) and O(zip_path) are written there.
  - The API key must belong to an Enterprise Admin.
  - A row's key is its primary email, O(certificate_type) and its profile, and for a CSR
    row also the CSR's public key. A row matches an existing certificate by the email
    addresses in the certificate's subject alternative names, not by the user who
    uploaded it. A row whose CSR was replaced is issued again.
  - The client-authentication profiles and the way the module tells a certificate's
    profile (a profile word in the record, else a given name and surname in the
    subject) are guesses; see the API assumptions page of the collection.
  - HARICA keeps no copy of a key it generates. If the PKCS#12 file of a pickup-password
    row is lost, the row is reported RV(entries[].result=undelivered); revoke its
    certificate and run the task again; only that row is issued again, because the
    others still have a valid certificate. O(force) would issue every row again.
extends_documentation_fragment:
  - harica.certmanager.connection
  - harica.certmanager.attributes
  - harica.certmanager.attributes.FILES
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    details:
      - Check mode reports which rows would be issued and which are skipped, and sends no
        upload.
  diff_mode:
    support: none
  idempotent:
    description:
      - Running the task again with the same rows uploads nothing.
    support: full
  safe_file_operations:
    support: full
options:
  certificate_type:
    description:
      - Type of the certificates, which selects HARICA's bulk endpoint.
    type: str
    required: true
    choices: [smime, clientauth]
  organization_id:
    description:
      - Id of the enterprise (organization) that issues the certificates.
      - Exactly one of O(organization_id) and O(enterprise) is required.
    type: str
  enterprise:
    description:
      - Name or domain of the enterprise, looked up among the account's enterprises. When
        several match, the error lists them.
    type: str
  entries:
    description:
      - The rows, one per person or device.
      - Exactly one of O(entries) and O(csv_path) is required.
    type: list
    elements: dict
    suboptions:
      email:
        description:
          - Primary email address; required.
          - Every address of a row must be in one of the enterprise's domains or in a
            subdomain of one.
        type: str
      email2:
        description: Second email address.
        type: str
      email3:
        description: Third email address. A row has at most three.
        type: str
      given_name:
        description: Given name, required by the V(natural_legal_lcp) and V(client_authentication_iv) profiles.
        type: str
      surname:
        description: Surname, required by the same profiles.
        type: str
      friendly_name:
        description:
          - Friendly name of the certificate, at most 85 characters, no parentheses.
          - Derived from the email when not given. The module makes friendly names unique
            within an upload, because HARICA names the files of its zip after them.
        type: str
      profile:
        description: Profile of this row; defaults to O(profile).
        type: str
      csr:
        description: PEM certificate signing request of a key the owner keeps.
        type: str
      csr_path:
        description: Path of a file holding the PEM CSR.
        type: path
      pickup_password:
        description:
          - Password that protects the PKCS#12 file of a key HARICA generates, at least 8
            characters long. HARICA publishes no minimum. The module requires 8, because
            the password is all that protects the private key in the file.
          - Exactly one of O(entries[].csr), O(entries[].csr_path) and O(entries[].pickup_password) is required.
          - It is a secret like the API key. The module writes it into no message and into no
            file except the PKCS#12. Ansible also replaces every occurrence of it in the task's
            output with stars, even inside other words, so a short password that is a common
            word can be guessed from where the stars are.
        type: str
  csv_path:
    description:
      - Path of a CSV in HARICA's bulk format, with the header
        C(FriendlyName,Email,Email2,Email3,GivenName,Surname,PickupPassword,CertType,CSR).
      - A UTF-8 BOM, CRLF line endings, a trailing comma and quoted fields, as
        spreadsheet programs save them, are accepted. Rows are numbered as a spreadsheet
        shows them, the header being row 1.
      - The columns must be separated by commas. A file separated by semicolons, as Excel
        saves CSV in Greek and other locales whose decimal separator is a comma, or by tabs,
        as Excel saves its "Text (Tab delimited)" format, is rejected with the separator named
        and the way to fix the file. It is never read with a guessed separator.
    type: path
  profile:
    description:
      - Profile of the rows that name none.
      - For S/MIME, V(email_only) (mailbox-validated, the default) or V(natural_legal_lcp)
        (sponsor-validated, needs given name and surname).
      - For client authentication, V(client_authentication_iv) (the default, needs given
        name and surname) or V(client_authentication_ov).
    type: str
  dest:
    description:
      - Directory where each row's files are written, named from the primary email as
        C(<email>.<type>.crt), C(.chain.crt) and C(.fullchain.crt) in PEM, and C(.p12)
        (mode 0600) for a row with a pickup password.
      - A skipped CSR row whose files are missing gets them again.
      - Created with mode 0700 when it does not exist.
    type: path
    required: true
  zip_path:
    description:
      - Path where the zip HARICA answered with is kept (mode 0600). With several
        batches, C(-<batch>) is added before the extension.
      - Its directory must exist, or be O(dest), and is checked before any upload.
      - A zip that fails the module's checks is always kept, here or in O(dest), so that no
        server-generated key is lost.
    type: path
  renew_before_days:
    description:
      - Issue again a row whose certificate expires in fewer than this many days.
      - V(0) never renews.
    type: int
    default: 0
  force:
    description:
      - Issue every row again, whatever certificates exist.
    type: bool
    default: false
  batch_size:
    description:
      - The maximum number of rows in one upload. Larger lists are split into batches, and the module
        stops at the first batch that fails or whose outcome is unknown; the rows of the
        later batches are reported V(not_sent).
    type: int
    default: 100
  settle_timeout:
    description:
      - Seconds to keep reading the certificates after an upload whose outcome was lost.
    type: int
    default: 120
  settle_interval:
    description:
      - Seconds between two reads while settling.
    type: int
    default: 5
seealso:
  - module: harica.certmanager.harica_certificate_info
  - module: harica.certmanager.harica_enterprise_info
"""

EXAMPLES = r"""
- name: Issue S/MIME certificates to new members of staff
  harica.certmanager.harica_bulk_issue:
    api_key: "{{ vault_harica_admin_key }}"
    certificate_type: smime
    enterprise: example.org
    dest: /srv/pki/smime
    entries:
      - email: maria.papadopoulou@example.org
        given_name: Μαρία
        surname: Παπαδοπούλου
        profile: natural_legal_lcp
        csr_path: /srv/pki/csr/maria.csr
      - email: nikos@example.org
        pickup_password: "{{ vault_pickup_passwords['nikos'] }}"
  delegate_to: localhost
  register: issuance

- name: Show the result of each row
  ansible.builtin.debug:
    msg: "{{ item.email }}: {{ item.result }} {{ item.serial_number | default('') }}"
  loop: "{{ issuance.entries }}"

- name: Issue client-authentication certificates from a CSV exported by HR
  harica.certmanager.harica_bulk_issue:
    certificate_type: clientauth
    organization_id: 2b0e4c9e-7f55-4d1b-8f0e-8c8b3f1d9a77
    csv_path: /srv/pki/devices.csv
    dest: /srv/pki/devices
    batch_size: 200
    renew_before_days: 30
  delegate_to: localhost
"""

RETURN = r"""
entries:
  description: One result per row, in the order of the rows.
  returned: always, except when an option or a row is invalid
  type: list
  elements: dict
  contains:
    row:
      description: Row number; for O(csv_path), as a spreadsheet shows it.
      type: int
      sample: 2
    email:
      description: Primary email address, lower case.
      type: str
      sample: maria.papadopoulou@example.org
    result:
      description:
        - V(issued) (in check mode, would be), V(skipped) (a valid certificate exists),
          V(undelivered) (issued, but the PKCS#12 is missing and cannot be downloaded),
          V(failed), V(unknown) (the zip failed a check and is kept, or the outcome of the
          upload could not be found out) or V(not_sent).
      type: str
      sample: issued
    serial_number:
      description: Serial number of the row's certificate, upper-case hex, or null.
      type: str
      sample: 5A3F0C19E2B74D01
    not_after:
      description: End of the certificate's validity in UTC, or null.
      type: str
      sample: "2027-12-04T10:02:14Z"
    files:
      description: The files of the row in O(dest).
      type: list
      elements: str
      sample: [/srv/pki/smime/maria.papadopoulou@example.org.smime.crt]
    detail:
      description: Why the row got its result, when more than the word is needed.
      type: str
      sample: null
batches:
  description: One entry per upload with its row numbers and result.
  returned: always, except when an option or a row is invalid
  type: list
  elements: dict
  sample: [{"batch": 1, "rows": [1, 2], "result": "issued"}]
invalid_rows:
  description: Every problem found in the rows, when the rows are invalid.
  returned: when a row is invalid
  type: list
  elements: dict
  sample: [{"row": 3, "field": "email", "message": "missing; every row needs an email address"}]
msg:
  description:
    - A count of the results, as in the sample. In check mode the rows to issue are
      counted as C(would be issued).
    - When HARICA rejected a batch for the problems of some rows, the message starts with
      the count of the results, then counts the rejected rows, quotes HARICA's message and
      counts the other rows of the batch, which were not issued either. Each problem that
      HARICA named follows on a line of its own, with the row number, the email, HARICA's
      field name and the problem.
    - When rows are invalid, the first line counts the problems and says that nothing was
      uploaded. Each problem follows on a line of its own, with the row number, the field
      and the problem, as in RV(invalid_rows). No problem contains a line break.
  returned: always
  type: str
  sample: "Rows: 3 issued, 2 skipped."
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.harica.certmanager.plugins.module_utils._argspec import module_client, require_libraries
from ansible_collections.harica.certmanager.plugins.module_utils._bulk_task import BulkTask, bulk_module_kwargs


def main() -> None:
    module = AnsibleModule(**bulk_module_kwargs())
    require_libraries(module)
    with module_client(module) as client:
        module.exit_json(**BulkTask(module, client).run())


if __name__ == "__main__":
    main()
