# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Options of the request modules (SSL, S/MIME and client authentication)."""

from __future__ import annotations


class ModuleDocFragment:
    # Each module adds the option that selects requests by their names.
    DOCUMENTATION = r"""
options:
  transaction_id:
    description:
      - Transaction id of the request, as the CertManager web UI and API show it.
      - Exactly one of O(transaction_id) and the module's selection by names is required.
    type: str
  state:
    description:
      - V(accepted) accepts the request. A request that is already ready or completed,
        or is held for HARICA's review, is left as it is.
      - V(cancelled) cancels the request. A request already cancelled is left as it is,
        and finding no request is not an error. An issued request cannot be cancelled;
        revoke its certificate instead.
    type: str
    choices: [accepted, cancelled]
    default: accepted
  comment:
    description:
      - Text sent to HARICA as the C(message) field of the accept or cancel call.
      - The option is not called C(message) because Ansible reserves that name.
    type: str
    default: ''
  inform_user:
    description:
      - Whether HARICA notifies the requester by email of a cancellation.
      - Used only with O(state=cancelled), because HARICA's accept call has no such field.
    type: bool
    default: true
  wait:
    description:
      - With O(state=accepted), whether to wait until HARICA has issued the certificate.
      - When the certificate is still not issued after O(wait_timeout) seconds, the task
        fails with a message that the request is approved and waiting for issuance, and
        reports C(changed) when this run accepted it. The next run does not accept again.
      - A request held for HARICA's review makes the task fail at once with that reason.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for issuance when O(wait=true).
    type: int
    default: 600
  wait_interval:
    description:
      - Seconds between two reads of the request while waiting.
    type: int
    default: 10
  certificate_path:
    description:
      - Path of a file to write the issued certificate to, in PEM.
      - The file is rewritten only when its content changes.
      - Only with O(state=accepted). Nothing is written until the certificate is issued.
    type: path
  chain_path:
    description:
      - Path of a file to write the issuing CA certificates to, in PEM, without the leaf.
      - Only with O(state=accepted). Nothing is written until the certificate is issued.
    type: path
  fullchain_path:
    description:
      - Path of a file to write the certificate followed by its chain to, in PEM.
      - Only with O(state=accepted). Nothing is written until the certificate is issued.
    type: path
  backup:
    description:
      - Whether to keep a backup copy of a certificate file before it is replaced.
    type: bool
    default: false
"""
