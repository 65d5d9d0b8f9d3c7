"""Run a module's main() in-process with given arguments and a stand-in client."""

from __future__ import annotations

import contextlib
import json
import typing as t
from unittest import mock

from ansible.module_utils import basic

from ansible_collections.harica.certmanager.plugins.module_utils import _argspec


class ModuleExit(Exception):
    """Raised in place of exit_json and fail_json; ``result`` holds the keyword arguments."""

    def __init__(self, result: dict[str, t.Any], failed: bool) -> None:
        super().__init__(result.get("msg"))
        self.result = result
        self.failed = failed


@contextlib.contextmanager
def _module_args(args: dict[str, t.Any]) -> t.Iterator[None]:
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:
        # ansible-core before 2.19 reads the arguments from this module variable.
        encoded = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()
        with mock.patch.object(basic, "_ANSIBLE_ARGS", encoded):
            yield
    else:
        with patch_module_args(args):
            yield


def _exit(module: basic.AnsibleModule, **result: t.Any) -> None:
    raise ModuleExit(result, failed=False)


def _fail(module: basic.AnsibleModule, **result: t.Any) -> None:
    raise ModuleExit(result, failed=True)


def run_module(main: t.Callable[[], None], args: dict[str, t.Any], client: t.Any) -> ModuleExit:
    """Run ``main`` and return how it exited; the module talks to ``client``."""
    settings_seen = []
    warnings: list[str] = []

    def make_client(settings: t.Any, **kwargs: t.Any) -> t.Any:
        settings_seen.append(settings)
        return client

    with contextlib.ExitStack() as stack:
        stack.enter_context(_module_args(args))
        stack.enter_context(mock.patch.object(basic.AnsibleModule, "exit_json", _exit))
        stack.enter_context(mock.patch.object(basic.AnsibleModule, "fail_json", _fail))
        stack.enter_context(mock.patch.object(_argspec._client, "HaricaClient", make_client))
        stack.enter_context(
            mock.patch.object(basic.AnsibleModule, "warn", lambda module, warning: warnings.append(warning))
        )
        try:
            main()
        except ModuleExit as outcome:
            outcome.result.setdefault("_settings", settings_seen[0] if settings_seen else None)
            outcome.result.setdefault("warnings", warnings)
            return outcome
    raise AssertionError("the module returned without calling exit_json or fail_json")
