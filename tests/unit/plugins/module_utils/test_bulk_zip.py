"""Tests of the bulk zip checks and of the BER to DER re-encoding."""

from __future__ import annotations

import random
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.harica.certmanager.plugins.module_utils._bulk_rows import (
    assign_friendly_names,
    rows_from_entries,
    validate_rows,
)
from ansible_collections.harica.certmanager.plugins.module_utils._bulk_zip import (
    MAX_MEMBER_BYTES,
    EmptyAnswerError,
    NotAZipError,
    ZipCheckError,
    check_response,
    read_zip,
)
from ansible_collections.harica.certmanager.plugins.module_utils._der import ber_to_der
from ansible_collections.harica.certmanager.tests.unit.utils.bulk_fixtures import (
    DAMAGES,
    BulkCA,
    ber_indefinite,
    certificate_pem,
    make_csr,
    make_zip,
)

PASSWORD = "Pickup-Password-9"


@pytest.fixture(scope="module")
def ca():
    return BulkCA()


@pytest.fixture(scope="module")
def material(ca):
    csr, key = make_csr("ana@example.org")
    rows = rows_from_entries([{"email": "ana@example.org", "csr": csr},
                              {"email": "bo@example.org", "pickup_password": PASSWORD}])
    validate_rows(rows, "smime", None)
    assign_friendly_names(rows)
    ana = ca.issue(["ana@example.org"], key.public_key())
    bo_key = ec.generate_private_key(ec.SECP256R1())
    bo = ca.issue(["bo@example.org"], bo_key.public_key())
    return {
        "rows": rows,
        "ana": ana,
        "bo": bo,
        "ana_p7b": ca.p7b(ana),
        "bo_key": bo_key,
        "bo_p12": ca.p12(bo, bo_key, PASSWORD),
    }


def good_members(material):
    return [("1.ana@example.org.p7b", material["ana_p7b"]), ("2.bo@example.org.p12", material["bo_p12"])]


# The answer


@pytest.mark.parametrize(
    "body, content_type, phrase",
    [
        (b"", "application/zip", "empty body"),
        (b'{"message": "Invalid CSV"}', "application/json", "JSON error instead of a zip: Invalid CSV"),
        (b"<!DOCTYPE html><html>Sign in</html>", "text/html", "HTML page instead of a zip"),
        (b"hello", "text/plain", "text/plain that is not a zip"),
        (b"PK\x03\x04rest", "application/json", "JSON error"),
    ],
)
def test_check_response_rejects(body, content_type, phrase):
    with pytest.raises(NotAZipError, match=phrase):
        check_response(body, content_type)


@pytest.mark.parametrize("content_type", ["application/zip", "application/octet-stream", ""])
def test_check_response_accepts_zip(content_type):
    check_response(b"PK\x03\x04rest", content_type)


# Reading the zip


def test_read_zip_matches_rows(material):
    deliveries = read_zip(make_zip(good_members(material)), material["rows"])
    assert deliveries[1].leaf_pem == certificate_pem(material["ana"])
    assert len(deliveries[1].chain_pems) == 1
    assert deliveries[1].pkcs12 is None
    assert deliveries[2].leaf_pem == certificate_pem(material["bo"])
    assert deliveries[2].pkcs12 == material["bo_p12"]


def test_read_zip_without_index_prefix(material):
    members = [("ana@example.org.p7b", material["ana_p7b"]), ("bo@example.org.p12", material["bo_p12"])]
    assert sorted(read_zip(make_zip(members), material["rows"])) == [1, 2]


def test_read_zip_ber_indefinite(material):
    members = [("1.ana@example.org.p7b", ber_indefinite(material["ana_p7b"])), good_members(material)[1]]
    deliveries = read_zip(make_zip(members), material["rows"])
    assert deliveries[1].leaf_pem == certificate_pem(material["ana"])


def test_empty_zip_is_not_a_zip(material):
    with pytest.raises(EmptyAnswerError, match="empty zip"):
        read_zip(make_zip([]), material["rows"])


def test_empty_body_is_empty_answer():
    with pytest.raises(EmptyAnswerError, match="empty body"):
        check_response(b"", "application/zip")


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=["stored", "deflated"])
@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_unreadable_member(material, damage, compression):
    change, phrase = DAMAGES[damage]
    body = change(make_zip(good_members(material), compression=compression))
    with pytest.raises(ZipCheckError, match=phrase):
        read_zip(body, material["rows"])


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                                         zipfile.ZIP_LZMA], ids=["stored", "deflated", "bzip2", "lzma"])
def test_damaged_zip_raises_only_check_errors(material, compression):
    """Random byte changes give a delivery or a ZipCheckError, never another exception."""
    body = make_zip(good_members(material), compression=compression)
    generator = random.Random(compression)
    outcomes = set()
    for _trial in range(400):
        damaged = bytearray(body)
        for _change in range(generator.randint(1, 3)):
            damaged[generator.randrange(len(damaged))] = generator.randrange(256)
        try:
            read_zip(bytes(damaged), material["rows"])
        except ZipCheckError:
            outcomes.add("check")
        except EmptyAnswerError:
            outcomes.add("empty")
        else:
            outcomes.add("read")
    assert "check" in outcomes


@pytest.mark.parametrize(
    "name, phrase",
    [
        ("../../ana@example.org.p7b", "directory part"),
        ("/tmp/ana@example.org.p7b", "absolute path"),
        ("C:ana@example.org.p7b", "absolute path"),
        ("a/ana@example.org.p7b", "directory part"),
        ("a\\ana@example.org.p7b", "directory part"),
        ("..\\..\\ana@example.org.p7b", "directory part"),
        ("\\tmp\\ana@example.org.p7b", "absolute path"),
        ("1.*.example.org.p7b", "matches no row"),
        ("readme.txt", "not a .p7b or .p12 file"),
    ],
)
def test_unsafe_or_unknown_member(material, name, phrase):
    members = [(name, material["ana_p7b"]), good_members(material)[1]]
    with pytest.raises(ZipCheckError, match=phrase):
        read_zip(make_zip(members), material["rows"])


def test_symlink_member(material):
    with pytest.raises(ZipCheckError, match="symbolic link"):
        read_zip(make_zip(good_members(material)[:1], symlink="2.bo@example.org.p12"), material["rows"])


def test_directory_member(material):
    members = [("1.ana@example.org.p7b/", b""), good_members(material)[1]]
    with pytest.raises(ZipCheckError, match="is a directory"):
        read_zip(make_zip(members), material["rows"])


def test_two_members_match_one_row(material):
    members = [("1.ana@example.org.p7b", material["ana_p7b"]), ("ana@example.org.p7b", material["ana_p7b"])]
    with pytest.raises(ZipCheckError, match="Two files of the zip match row 1: 1.ana@example.org.p7b and"
                                            " ana@example.org.p7b"):
        read_zip(make_zip(members), material["rows"])


def test_names_differing_in_case(material):
    members = [("1.ana@example.org.p7b", material["ana_p7b"]), ("1.ANA@example.org.p7b", material["ana_p7b"])]
    with pytest.raises(ZipCheckError, match="two members named '1.ANA@example.org.p7b', without regard to case"):
        read_zip(make_zip(members), material["rows"])


@pytest.mark.parametrize("utf8_flag", [True, False], ids=["flagged", "unflagged"])
def test_non_ascii_friendly_name(material, utf8_flag):
    rows = rows_from_entries([{"email": "ana@example.org", "csr": make_csr("ana@example.org")[0]},
                              {"email": "bo@example.org", "friendly_name": "Εργαστήριο Βο",
                               "pickup_password": PASSWORD}])
    validate_rows(rows, "smime", None)
    assign_friendly_names(rows)
    rows[0].public_key = material["rows"][0].public_key
    members = [good_members(material)[0], ("2.Εργαστήριο Βο.p12", material["bo_p12"])]
    deliveries = read_zip(make_zip(members, utf8_flag=utf8_flag), rows)
    assert deliveries[2].member == "2.Εργαστήριο Βο.p12"
    assert deliveries[2].pkcs12 == material["bo_p12"]


def test_duplicate_member(material):
    members = good_members(material)[:1] * 2
    with pytest.warns(UserWarning):
        data = make_zip(members)
    with pytest.raises(ZipCheckError, match="two members named"):
        read_zip(data, material["rows"])


def test_oversized_member(material):
    members = [("1.ana@example.org.p7b", b"0" * (MAX_MEMBER_BYTES + 1)), good_members(material)[1]]
    with pytest.raises(ZipCheckError, match="more than"):
        read_zip(make_zip(members), material["rows"])


def test_missing_row(material):
    with pytest.raises(ZipCheckError) as info:
        read_zip(make_zip(good_members(material)[:1]), material["rows"])
    assert info.value.message == "The zip contains no file for row 2."


def test_extra_member_counts_one_row(material):
    with pytest.raises(ZipCheckError) as info:
        read_zip(make_zip(good_members(material)), material["rows"][:1])
    assert info.value.message == "The zip contains 2 files for 1 row."


def test_wrong_password(material, ca):
    other = ca.p12(material["bo"], material["bo_key"], "another-password")
    with pytest.raises(ZipCheckError, match="does not open with the pickup password of row 2"):
        read_zip(make_zip([good_members(material)[0], ("2.bo@example.org.p12", other)]), material["rows"])


def test_certificate_for_other_email(material, ca):
    key = ec.generate_private_key(ec.SECP256R1())
    stranger = ca.p7b(ca.issue(["eve@example.org"], key.public_key()))
    with pytest.raises(ZipCheckError, match="0 certificates for ana@example.org"):
        read_zip(make_zip([("1.ana@example.org.p7b", stranger), good_members(material)[1]]), material["rows"])


def test_certificate_with_other_key(material, ca):
    key = ec.generate_private_key(ec.SECP256R1())
    swapped = ca.p7b(ca.issue(["ana@example.org"], key.public_key()))
    with pytest.raises(ZipCheckError, match="public key of row 1"):
        read_zip(make_zip([("1.ana@example.org.p7b", swapped), good_members(material)[1]]), material["rows"])


def test_pkcs12_for_csr_row(material):
    members = [("1.ana@example.org.p12", material["bo_p12"]), good_members(material)[1]]
    with pytest.raises(ZipCheckError, match="row 1 sent a CSR"):
        read_zip(make_zip(members), material["rows"])


# BER to DER


def test_der_is_unchanged(material):
    assert ber_to_der(material["ana_p7b"]) == material["ana_p7b"]


def test_indefinite_lengths_become_definite(material):
    assert ber_to_der(ber_indefinite(material["ana_p7b"])) == material["ana_p7b"]


def test_nested_indefinite():
    ber = b"\x30\x80\x30\x80\x02\x01\x05\x00\x00\x04\x02ab\x00\x00"
    assert ber_to_der(ber) == b"\x30\x09\x30\x03\x02\x01\x05\x04\x02ab"


@pytest.mark.parametrize("data", [b"\x30\x05\x02\x01", b"\x04\x80ab\x00\x00", b"\x30\x03\x02\x01\x05extra", b""])
def test_invalid_ber(data):
    with pytest.raises(ValueError):
        ber_to_der(data)
