"""Jinja filters for intended configs: validate values so nothing can inject a config line."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Interface
from typing import Any

# Lines that end a banner block of an indented config when it is read back.
BANNER_ENDS = frozenset({"EOF", "%", "!"})
SET_SPECIAL = set(" \t;{}#\"'[]")


class TemplateValueError(ValueError):
    """A value a template refuses to put into a config; the renderer adds device and line."""


def unsafe_character(text: str) -> str | None:
    """The first control or line-breaking character in text, if any."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return char
    return None


def single_line(value: Any) -> Any:
    """Finalize hook: every rendered value must stay on one line."""
    if isinstance(value, str) and (char := unsafe_character(value)) is not None:
        raise TemplateValueError(f"value {value!r} contains control character {char!r}")
    return value


def word(value: Any) -> str:
    """A single config token: names, interfaces, policy names."""
    text = str(single_line(value))
    if not text or any(c.isspace() for c in text):
        raise TemplateValueError(f"value {text!r} must be one word (no spaces)")
    return text


def _interface(value: Any) -> IPv4Interface:
    try:
        return IPv4Interface(str(value))
    except ValueError:
        raise TemplateValueError(f"value {value!r} is not an IPv4 address/prefix-length") from None


def ip(value: Any) -> str:
    """`198.51.100.1/30` -> `198.51.100.1`; a bare address is checked and returned."""
    if "/" not in str(value):
        try:
            return str(IPv4Address(str(value)))
        except ValueError:
            raise TemplateValueError(f"value {value!r} is not an IPv4 address") from None
    return str(_interface(value).ip)


def prefix(value: Any) -> str:
    """`198.51.100.1/30` checked and returned as address/length."""
    return _interface(value).with_prefixlen


def netmask(value: Any) -> str:
    """`198.51.100.1/30` -> `255.255.255.252`."""
    return str(_interface(value).netmask)


def network(value: Any) -> str:
    """`10.1.0.2/24` -> `10.1.0.0`."""
    return str(_interface(value).network.network_address)


def network_prefix(value: Any) -> str:
    """`10.1.0.2/24` -> `10.1.0.0/24`."""
    return str(_interface(value).network)


def banner_line(value: Any) -> str:
    """One banner line that cannot close the banner block early (`^C`, `EOF`, `!`, `%`)."""
    text = str(single_line(value))
    if "^" in text or text.strip() in BANNER_ENDS:
        raise TemplateValueError(f"banner line {text!r} would end the banner block")
    return text


def set_string(value: Any) -> str:
    """A value of a `set` line, quoted when it holds spaces or specials, as `display set`
    prints it."""
    text = str(single_line(value))
    if '"' in text or "\\" in text:
        raise TemplateValueError(f"value {text!r} may not contain quotes or backslashes")
    if not text or SET_SPECIAL & set(text):
        return f'"{text}"'
    return text


def set_message(lines: Any) -> str:
    """Banner lines as one quoted `set` value (a login message), lines joined by `\\n`."""
    checked = [set_string(banner_line(line)).strip('"') for line in lines]
    return '"' + "\\n".join(checked) + '"'


def number(value: Any) -> int:
    """A non-negative integer (ASN, percent, Mbps); unlike Jinja's `int`, never silently 0."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TemplateValueError(f"value {value!r} is not a whole number")
    text = str(value)
    if not (text.isascii() and text.isdigit()):
        raise TemplateValueError(f"value {text!r} is not a whole number")
    return int(text)


def lookup(key: Any, mapping: Any) -> Any:
    """`mapping[key]`, refusing keys the mapping does not know (for platform keyword maps)."""
    try:
        return mapping[key]
    except (KeyError, TypeError):
        raise TemplateValueError(f"value {key!r} is not one of {sorted(mapping)}") from None


FILTERS: dict[str, Callable[..., Any]] = {
    "word": word,
    "ip": ip,
    "prefix": prefix,
    "netmask": netmask,
    "network": network,
    "network_prefix": network_prefix,
    "banner_line": banner_line,
    "set_string": set_string,
    "set_message": set_message,
    "number": number,
    "lookup": lookup,
}
