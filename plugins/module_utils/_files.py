# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Atomic file writes with Ansible's file attributes, backups and change detection."""

from __future__ import annotations

import os
import tempfile
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaInputError

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible.module_utils.basic import AnsibleModule


def write_file(
    module: AnsibleModule,
    path: str,
    content: bytes,
    *,
    backup: bool = False,
    diff: bool = False,
    mode: str | None = None,
) -> dict[str, t.Any]:
    """Write ``content`` to ``path`` when it differs, then apply the module's file attributes.

    The content goes to a temporary file in the same directory first and replaces the
    target in one rename, so a reader never sees half a file. In check mode nothing is
    written, and ``changed`` tells whether a real run would change the file. With
    ``diff``, a changed content adds a ``diff`` entry in Ansible's before/after form.
    ``mode`` overrides the module's ``mode`` option, for files that hold private keys.
    """
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise HaricaInputError(f"Cannot write {path}: the directory {directory} does not exist. Create it first.")
    exists = os.path.exists(path)
    current = _read(path) if exists else None
    content_changed = current != content
    result: dict[str, t.Any] = {"path": path, "changed": content_changed}
    if diff and content_changed:
        result["diff"] = {
            "before_header": path,
            "after_header": path,
            "before": (current or b"").decode("utf-8", errors="replace"),
            "after": content.decode("utf-8", errors="replace"),
        }
    if content_changed and not module.check_mode:
        if exists and backup:
            result["backup_file"] = module.backup_local(path)
        if mode is not None and not exists:
            _create_private(path, mode)
        _replace(module, path, content)
    if exists or not module.check_mode:
        file_args = module.load_file_common_arguments(module.params, path=path)
        if mode is not None:
            file_args["mode"] = mode
        result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"])
    return result


def _create_private(path: str, mode: str) -> None:
    """Create an empty file with ``mode``, because atomic_move gives a new file the default
    permissions for a moment, and a private key must never be readable by others."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, int(mode, 8))
    os.close(descriptor)


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise HaricaInputError(f"Cannot read {path} to compare it: {exc.strerror}.") from None


def _replace(module: AnsibleModule, path: str, content: bytes) -> None:
    directory = os.path.dirname(path) or "."
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        module.atomic_move(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


__all__ = ("write_file",)
