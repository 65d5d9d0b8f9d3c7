"""Normalization of the DNS names and email addresses that go into certificates.

X.509 stores DNS names and the domain part of email addresses as IA5String, which is
ASCII (RFC 5280, section 7). So internationalized names are converted to their A-label
(`xn--`) form with IDNA 2008 and the UTS 46 mapping, which also lower-cases them.
"""

from __future__ import annotations

import re

import idna

from .errors import ApiError

# Maximum length of a DNS name in text form without the trailing dot, which follows from
# the 255-octet limit of the wire form (RFC 1035, section 2.3.4).
MAX_DNS_NAME_LENGTH = 253
# An ASCII DNS name: labels of letters, digits and hyphens, and a top-level label of
# letters or an A-label such as xn--p1ai.
ASCII_DNS_NAME = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
WILDCARD_PREFIX = "*."


def to_ascii_dns_name(raw, *, allow_wildcard: bool = True) -> str:
    """Return the lower-case ASCII form of a DNS name without a trailing dot.

    A leading `*.` wildcard label is kept when `allow_wildcard` is true. Raises
    ApiError naming the value when it is not a valid DNS name.
    """
    if not isinstance(raw, str):
        raise ApiError(f"Invalid DNS name {raw!r}: expected a string.")
    name = raw.strip().rstrip(".")
    prefix = ""
    if allow_wildcard and name.startswith(WILDCARD_PREFIX):
        prefix, name = WILDCARD_PREFIX, name[len(WILDCARD_PREFIX):]
    ascii_name = name.lower()
    # Plain ASCII names skip the IDNA codec, which costs more than signing a certificate.
    if not ascii_name.isascii() or "xn--" in ascii_name:
        try:
            ascii_name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            raise ApiError(f"Invalid DNS name {raw!r}: {error}.") from None
    if len(ascii_name) > MAX_DNS_NAME_LENGTH:
        raise ApiError(f"Invalid DNS name {raw!r}: longer than {MAX_DNS_NAME_LENGTH} characters.")
    if not ASCII_DNS_NAME.match(ascii_name):
        raise ApiError(f"Invalid DNS name {raw!r}: expected labels of letters, digits and hyphens.")
    return prefix + ascii_name


def to_ascii_email(raw) -> str:
    """Return an email address with its domain in lower-case ASCII form and its local part unchanged.

    Raises ApiError when the value is not `local@domain` with an ASCII local part.
    """
    if not isinstance(raw, str):
        raise ApiError(f"Invalid email address {raw!r}: expected a string.")
    local, separator, domain = raw.strip().rpartition("@")
    if not separator or not local or not domain:
        raise ApiError(f"Invalid email address {raw!r}: expected local-part@domain.")
    if not local.isascii() or not local.isprintable() or " " in local or "@" in local:
        raise ApiError(f"Invalid email address {raw!r}: the local part must be printable ASCII without spaces.")
    return f"{local}@{to_ascii_dns_name(domain, allow_wildcard=False)}"


def is_within_domains(ascii_name: str, ascii_domains: list[str]) -> bool:
    """Tell whether a name (wildcard allowed) equals one of the domains or is below one."""
    name = ascii_name.removeprefix(WILDCARD_PREFIX)
    return any(name == domain or name.endswith("." + domain) for domain in ascii_domains)
