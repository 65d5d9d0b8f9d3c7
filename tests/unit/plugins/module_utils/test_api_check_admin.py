"""Tests of the admin judges of the API check (C9, D1 to D6, D8, E9, E10)."""

from __future__ import annotations

from ansible_collections.harica.certmanager.plugins.module_utils._errors import (
    HaricaNotFoundError,
    HaricaResponseError,
    HaricaServerError,
)
from ansible_collections.harica.certmanager.tests.unit.plugins.module_utils.test_api_check import (
    ADMIN_ROLE,
    ENTERPRISE_ROW,
    USER,
    account,
    check_entries,
    entry,
    full_certificate,
)

CERTIFICATES = "/cm/v1/admin/certificates"


def admin_only(**options):
    return account(ssl=None, smime=None, clientauth=None, **({"admin": options} if options else {}))


def judged(apis, check_id):
    return entry(check_entries(apis), check_id, ADMIN_ROLE)


def with_certificates(*certificates, **options):
    return admin_only(certificates=list(certificates), **options)


def listed_as(serial, written):
    """Return a certificate record whose PEM has ``serial`` and whose record writes it as ``written``."""
    record = full_certificate(serial)
    record["serial"] = written
    return record


# C9


def test_serial_format_held():
    result = judged(admin_only(), "C9")
    assert result["status"] == "held"
    assert result["observed"]["formats"] == {"upper-case hex, 4 digits, no leading zeros, no separators": 2}
    assert result["observed"]["match_certificate"] == 2


def test_serial_format_padded_lower_held():
    result = judged(with_certificates(listed_as("5E11", "00005e11")), "C9")
    assert result["status"] == "held"
    assert "lower-case hex, 8 digits, leading zeros" in result["detail"]


def test_serial_format_decimal_differs():
    result = judged(with_certificates(listed_as("5E11", str(0x5E11))), "C9")
    assert result["status"] == "differs"
    assert result["observed"]["decimal_of_certificate"] == 1


def test_serial_format_other_serial_differs():
    result = judged(with_certificates(listed_as("5E11", "ABCD")), "C9")
    assert result["status"] == "differs"
    assert result["observed"]["differ_from_certificate"] == 1


def test_serial_format_colons():
    result = judged(with_certificates(listed_as("5E11", "5E:11")), "C9")
    assert result["status"] == "held"
    assert "separated by colons" in result["detail"]


def test_serial_format_without_certificates():
    result = judged(with_certificates(), "C9")
    assert result["status"] == "not_checked"


# D1


def test_certificate_paths_held():
    result = judged(admin_only(), "D1")
    assert result["status"] == "held"
    assert "serial search found a listed certificate" in result["detail"]


def test_certificate_paths_list_404():
    apis = admin_only()
    path = CERTIFICATES + "/list/expired"
    apis["admin"].answers[path] = HaricaNotFoundError("Failed: 404.", method="GET", path=path, status=404)
    result = judged(apis, "D1")
    assert result["status"] == "differs"
    assert result["observed"]["not_served"] == {path: "HTTP 404"}


def test_certificate_paths_body_not_json():
    apis = admin_only()
    path = CERTIFICATES + "/list/valid"
    apis["admin"].answers[path] = HaricaResponseError("Failed: truncated.", method="GET", path=path, status=200)
    result = judged(apis, "D1")
    assert result["status"] == "differs"
    assert result["observed"]["not_served"] == {path: "the body is not JSON the client can read"}


def test_certificate_paths_search_finds_nothing():
    apis = admin_only()
    apis["admin"].certificates = {}
    apis["admin"].answers[CERTIFICATES] = [full_certificate("5E11")]
    result = judged(apis, "D1")
    assert result["status"] == "differs"
    assert "found no listed certificate" in result["detail"]


def test_certificate_paths_without_certificates():
    result = judged(with_certificates(), "D1")
    assert result["status"] == "held"
    assert "serial search was not tried" in result["detail"]


# D6


def test_serial_search_held():
    apis = admin_only()
    result = judged(apis, "D6")
    assert result["status"] == "held"
    searches = [path for path in apis["admin"].gets if "/serial/" in path]
    assert searches == [CERTIFICATES + "/serial/5E11"]


def test_serial_search_prefers_padded_serial():
    apis = with_certificates(full_certificate("5E11"), full_certificate("0A12", ("b.example.org",)))
    judged(apis, "D6")
    searches = [path for path in apis["admin"].gets if "/serial/" in path]
    # The fake, like the simulator, finds a serial only in the form it lists.
    assert searches == [CERTIFICATES + "/serial/A12", CERTIFICATES + "/serial/0A12"]


def test_serial_search_only_listed_form():
    apis = with_certificates(full_certificate("00AB12"))
    result = judged(apis, "D6")
    assert result["status"] == "differs"
    assert "only by its serial as listed" in result["detail"]
    searches = [path for path in apis["admin"].gets if "/serial/" in path]
    assert searches == [CERTIFICATES + "/serial/AB12", CERTIFICATES + "/serial/00AB12"]


def test_serial_search_finds_nothing():
    apis = admin_only()
    apis["admin"].certificates = {}
    apis["admin"].answers[CERTIFICATES] = [full_certificate("5E11")]
    result = judged(apis, "D6")
    assert result["status"] == "differs"
    assert "found no listed certificate" in result["detail"]


def test_serial_search_server_error_not_checked():
    apis = with_certificates(full_certificate("00AB12"))
    path = CERTIFICATES + "/serial/AB12"
    apis["admin"].answers[path] = HaricaServerError(f"Failed: GET {path} 503.", method="GET", path=path, status=503)
    entries = check_entries(apis)
    assert entry(entries, "D6", ADMIN_ROLE)["status"] == "not_checked"
    # The search by the listed form still found the certificate, so the path is served.
    assert entry(entries, "D1", ADMIN_ROLE)["status"] == "held"


def test_serial_search_returns_other_certificate():
    apis = admin_only()
    apis["admin"].answers[CERTIFICATES + "/serial/5E11"] = full_certificate("5E12")
    result = judged(apis, "D6")
    assert result["status"] == "differs"


# D2


def test_certificate_fields_held():
    result = judged(admin_only(), "D2")
    assert result["status"] == "held"
    assert result["observed"]["fields_not_applicable"] == ["revokedAt", "revocationCode"]


def test_certificate_fields_revoked_need_revocation():
    record = full_certificate("5E11", isRevoked=True)
    del record["revokedAt"]
    result = judged(with_certificates(record), "D2")
    assert result["status"] == "differs"
    assert result["observed"]["missing_fields"] == ["revokedAt"]


def test_certificate_fields_other_fields_listed():
    result = judged(with_certificates(full_certificate("5E11", keyType="EC P-256")), "D2")
    assert "keyType" in result["observed"]["other_fields"]
    assert "issuanceType" in result["observed"]["other_fields"]


# D3


def test_san_format_held():
    result = judged(admin_only(), "D3")
    assert result["status"] == "held"
    assert result["observed"]["labels"] == ["DNS Name="]
    assert result["observed"]["agree_with_certificate"] == 2


def test_san_format_openssl_labels_held():
    result = judged(with_certificates(full_certificate("5E11", sANS="DNS:app.example.org")), "D3")
    assert result["status"] == "held"
    assert result["observed"]["labels"] == ["DNS:"]


def test_san_format_unknown_label():
    record = full_certificate("5E11", sANS="DNS Name=app.example.org, IP Address=192.0.2.1")
    result = judged(with_certificates(record), "D3")
    assert result["status"] == "differs"
    assert result["observed"]["unknown_labels"] == ["IP Address="]


def test_san_format_names_differ():
    record = full_certificate("5E11", sANS="DNS Name=other.example.org")
    result = judged(with_certificates(record), "D3")
    assert result["status"] == "differs"
    assert "other.example.org" not in result["detail"]


def test_san_format_array_differs():
    record = full_certificate("5E11", sANS=["DNS Name=app.example.org"])
    result = judged(with_certificates(record), "D3")
    assert result["status"] == "differs"
    assert "a JSON array" in result["detail"]


# D4


def test_type_words_held():
    smime = full_certificate("5E13", certificateType="S/MIME")
    result = judged(with_certificates(full_certificate("5E11"), smime), "D4")
    assert result["observed"]["words"] == {"SSL OV": "ssl", "S/MIME": "smime"}


def test_type_words_agree_with_usages_when_present():
    result = judged(admin_only(), "D4")
    assert result["status"] == "held"
    # The unit test certificates have no extended key usage, so nothing is compared.
    assert result["observed"]["agree_with_usages"] == 0


def test_type_words_unknown_word():
    result = judged(with_certificates(full_certificate("5E11", certificateType="Premium")), "D4")
    assert result["status"] == "differs"
    assert "Premium" in result["detail"]


# D5


def test_status_lists_held():
    result = judged(admin_only(), "D5")
    assert result["status"] == "held"
    assert result["observed"]["records_per_list"] == {"valid": 2, "revoked": 0, "expired": 0}


def test_status_lists_misfiled():
    apis = admin_only()
    apis["admin"].answers[CERTIFICATES + "/list/revoked"] = [full_certificate("5E11")]
    result = judged(apis, "D5")
    assert result["status"] == "differs"
    assert result["observed"]["other_status"] == {"revoked": {"valid": 1}}


def test_status_lists_empty():
    result = judged(with_certificates(), "D5")
    assert result["status"] == "not_checked"


# D8


def test_issuance_hint_field():
    result = judged(admin_only(), "D8")
    assert result["status"] == "held"
    assert result["observed"]["fields"] == ["issuanceType"]
    assert result["observed"]["values"] == ["Single"]


def test_issuance_hint_flags():
    record = full_certificate("5E11", issuanceType=None, isBulk=True, isAcme=False)
    del record["issuanceType"]
    result = judged(with_certificates(record), "D8")
    assert result["status"] == "held"
    assert result["observed"]["fields"] == ["isBulk", "isAcme"]


def test_issuance_hint_missing():
    record = full_certificate("5E11", issuedThroughChannel="api")
    del record["issuanceType"]
    result = judged(with_certificates(record), "D8")
    assert result["status"] == "differs"
    assert result["observed"]["related_fields"] == ["issuedThroughChannel"]
    assert "revoke_type" in result["detail"]


# E9


def test_enterprise_fields_held():
    second = dict(ENTERPRISE_ROW, domain="example.com")
    result = judged(admin_only(enterprises=[ENTERPRISE_ROW, second]), "E9")
    assert result["status"] == "held"
    assert result["observed"]["rows"] == 2
    assert result["observed"]["enterprises"] == 1


def test_enterprise_fields_missing():
    row = {key: value for key, value in ENTERPRISE_ROW.items() if key not in ("validity", "locality")}
    result = judged(admin_only(enterprises=[row]), "E9")
    assert result["status"] == "differs"
    assert result["observed"]["missing_fields"] == ["validity", "locality"]


def test_enterprise_fields_without_enterprises():
    result = judged(admin_only(enterprises=[]), "E9")
    assert result["status"] == "not_checked"


# E10


def test_user_fields_held():
    result = judged(admin_only(), "E10")
    assert result["status"] == "held"
    assert result["observed"]["lookup_has_certificates"] is True
    assert result["observed"]["role_words"] == ["SSL Enterprise Approver"]
    assert "pat@example.org" not in str(result)


def test_user_lookup_without_certificates():
    user = {key: value for key, value in USER.items() if key != "certificates"}
    result = judged(admin_only(users=[user]), "E10")
    assert result["status"] == "differs"
    assert "has no certificates list" in result["detail"]


def test_user_lookup_not_found():
    apis = admin_only()
    path = "/cm/v1/admin/users/email/pat%40example.org"
    apis["admin"].answers[path] = HaricaNotFoundError(f"Failed: GET {path} 404.", method="GET", path=path, status=404)
    result = judged(apis, "E10")
    assert result["status"] == "differs"
    assert "returned no record for a listed user" in result["detail"]
    assert "pat%40example.org" not in result["detail"]


def test_user_fields_missing():
    user = {key: value for key, value in USER.items() if key not in ("isActive",)}
    result = judged(admin_only(users=[user]), "E10")
    assert result["status"] == "differs"
    assert result["observed"]["missing_fields"] == ["isActive"]
