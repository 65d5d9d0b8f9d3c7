"""Varied, reproducible names for batch-seeded certificates.

Every choice comes from the `random.Random` that the caller seeds, so the same seed and
count give the same names. A share of the names is deliberately awkward, as real
inventories are: upper case, a trailing dot in the common name, wildcards,
internationalized labels and person names, and renewals that repeat an earlier name.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .names import to_ascii_dns_name, to_ascii_email

HOST_WORDS = ("www", "mail", "vpn", "portal", "api", "shop", "intranet", "git", "wiki", "db", "lab", "cloud")
IDN_LABELS = ("δοκιμή", "παράδειγμα", "bücher", "café", "größe", "ελλάδα")
GIVEN_NAMES = ("Maria", "Nikos", "Eleni", "Giorgos", "Anna", "Kostas", "Sofia", "Dimitris")
SURNAMES = ("Papadopoulou", "Georgiou", "Nikolaou", "Ioannidis", "Vlachou", "Christou", "Antoniou")
# Greek names with the Latin spelling of their mailbox.
GREEK_PEOPLE = (
    ("Γιώργος", "Παπαδόπουλος", "giorgos.papadopoulos"),
    ("Ελένη", "Νικολάου", "eleni.nikolaou"),
    ("Δημήτρης", "Ιωάννου", "dimitris.ioannou"),
)
IDN_MAIL_DOMAIN_LABEL = "τμήμα"
# X.509 upper bound of a common name (ub-common-name, RFC 5280 appendix A.1).
MAX_COMMON_NAME_LENGTH = 64
# Shares of each kind of awkward name, as fractions of the certificates of a type.
SHARES = {
    "renewal": 0.06,
    "wildcard": 0.08,
    "upper_case": 0.08,
    "trailing_dot": 0.05,
    "idn": 0.05,
    "second_name": 0.2,
    "greek_person": 0.3,
}


@dataclass
class NameChoice:
    """The names of one certificate."""

    # DNS names or emails in ASCII form, for the certificate.
    names: list[str]
    # The common name as a caller would have given it, shown as `commonName`.
    common_name: str
    # The CN written in the certificate (ASCII for DNS names and emails).
    certificate_common_name: str
    given_name: str = ""
    surname: str = ""


def _ssl_names(rng: random.Random, index: int, domain: str) -> NameChoice:
    host = f"{rng.choice(HOST_WORDS)}-{index}"
    draw = rng.random()
    if draw < SHARES["idn"]:
        host = f"{rng.choice(IDN_LABELS)}-{index}"
    given = f"{host}.{domain}"
    if SHARES["idn"] <= draw < SHARES["idn"] + SHARES["wildcard"]:
        given = f"*.{given}"
    names = [to_ascii_dns_name(given)]
    if rng.random() < SHARES["second_name"] and not given.startswith("*."):
        names.append("www." + names[0])
    common_name = given
    style = rng.random()
    if style < SHARES["upper_case"]:
        common_name = given.title() if given.isascii() else given.upper()
    elif style < SHARES["upper_case"] + SHARES["trailing_dot"]:
        common_name = given + "."
    return NameChoice(names, common_name, names[0])


def _person(rng: random.Random) -> tuple[str, str, str]:
    """Return (given name, surname, mailbox name) of a person."""
    if rng.random() < SHARES["greek_person"]:
        return rng.choice(GREEK_PEOPLE)
    given_name, surname = rng.choice(GIVEN_NAMES), rng.choice(SURNAMES)
    return given_name, surname, f"{given_name}.{surname}".lower()


def _email_names(rng: random.Random, index: int, domain: str, person_subject: bool) -> NameChoice:
    given_name, surname, mailbox = _person(rng)
    local = f"{mailbox}{index}"
    if rng.random() < SHARES["upper_case"]:
        local = local.title()
    mail_domain = domain
    if rng.random() < SHARES["idn"]:
        mail_domain = f"{IDN_MAIL_DOMAIN_LABEL}.{domain}"
    given = f"{local}@{mail_domain}"
    names = [to_ascii_email(given)]
    if rng.random() < SHARES["second_name"]:
        names.append(to_ascii_email(f"alias{index}@{domain}"))
    if person_subject:
        full_name = f"{given_name} {surname}"
        return NameChoice(names, full_name, full_name, given_name, surname)
    return NameChoice(names, given, names[0])


def choose_names(
    rng: random.Random, index: int, certificate_type: str, domain: str, person_subject: bool, earlier: list
) -> NameChoice:
    """Return the names of certificate `index`, sometimes a renewal of an earlier one of the type.

    `earlier` contains the NameChoice objects already made for the type, and new ones are added to it.
    """
    if earlier and rng.random() < SHARES["renewal"]:
        choice = rng.choice(earlier)
        if (choice.given_name != "") == person_subject:
            return choice
    if certificate_type == "ssl":
        choice = _ssl_names(rng, index, domain)
    else:
        choice = _email_names(rng, index, domain, person_subject)
    if len(choice.certificate_common_name) > MAX_COMMON_NAME_LENGTH:
        choice = _plain_names(index, certificate_type, domain)
    earlier.append(choice)
    return choice


def _plain_names(index: int, certificate_type: str, domain: str) -> NameChoice:
    """Return a short name, for when the varied one would exceed the common name's length limit."""
    if certificate_type == "ssl":
        name = f"host{index}.{domain}"
    else:
        name = f"user{index}@{domain}"
    return NameChoice([name], name, name)
