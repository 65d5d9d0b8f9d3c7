"""Tests that the connection argument spec and the doc fragment agree key for key."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.harica.certmanager.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.harica.certmanager.plugins.module_utils._argspec import (
    client_settings,
    connection_argument_spec,
)
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaError

MODULE_OPTIONS = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
PLUGIN_OPTIONS = yaml.safe_load(ModuleDocFragment.PLUGINS)["options"]
SPEC = connection_argument_spec()
COMPARED = ("type", "default", "required", "choices", "elements")


def test_spec_and_fragment_have_same_options():
    assert sorted(SPEC) == sorted(MODULE_OPTIONS)
    assert sorted(PLUGIN_OPTIONS) == sorted(MODULE_OPTIONS)


@pytest.mark.parametrize("name", sorted(SPEC))
def test_spec_matches_module_part(name):
    for field in COMPARED:
        assert SPEC[name].get(field) == MODULE_OPTIONS[name].get(field), f"{name}.{field}"


@pytest.mark.parametrize("name", sorted(SPEC))
def test_plugin_part_matches_module_part(name):
    for field in COMPARED:
        assert PLUGIN_OPTIONS[name].get(field) == MODULE_OPTIONS[name].get(field), f"{name}.{field}"


@pytest.mark.parametrize("name, variable", [("api_url", "HARICA_API_URL"), ("api_key", "HARICA_API_KEY")])
def test_environment_variables_agree(name, variable):
    assert SPEC[name]["fallback"][1] == [variable]
    assert PLUGIN_OPTIONS[name]["env"] == [{"name": variable}]
    assert f"E({variable})" in " ".join(MODULE_OPTIONS[name]["description"])


def test_module_part_has_no_env_entries():
    assert all("env" not in option for option in MODULE_OPTIONS.values())


def test_key_is_no_log():
    assert SPEC["api_key"]["no_log"] is True


def test_proxy_url_is_no_log():
    assert SPEC["proxy_url"]["no_log"] is True


def test_timeout_must_be_positive():
    with pytest.raises(HaricaError, match="timeout -1 is invalid"):
        client_settings({"api_key": "k", "timeout": -1})


def test_timeout_zero_is_rejected():
    with pytest.raises(HaricaError, match="timeout 0 is invalid"):
        client_settings({"api_key": "k", "timeout": 0})


def test_timeout_default_when_unset():
    assert client_settings({"api_key": "k", "timeout": None}).timeout == 120
