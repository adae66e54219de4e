"""Indicator-of-compromise extraction for ``tools.parse_iocs``.

Text is refanged first (``hxxp``, ``[.]``, ``(.)``, ``[@]``...). Domains are the noisiest
kind, so a candidate counts only when its last label looks like a real TLD: any two letters
(country codes) or a common generic TLD, and never a common file extension, so that
``alert.json`` or ``setup.exe`` are not reported as domains. Hosts of URLs count as domains
(or addresses); the domain part of an e-mail address does not.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

__all__ = ["IOC_KINDS", "extract_iocs", "refang"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


IOC_KINDS = ("ipv4", "ipv6", "domains", "urls", "emails", "md5", "sha1", "sha256", "cves")

GENERIC_TLDS = _words(
    """
    com net org edu gov mil int info biz name pro mobi asia tel aero coop jobs museum travel
    cat post xxx app dev page xyz top online site website store tech space club shop live life
    world today news blog cloud digital email link click win bid loan men work party review
    science stream download racing date faith trade webcam accountant cricket country gdn icu
    vip buzz fun host press ltd group company services solutions network systems support
    security agency center zone one global media tools guru rest best cyou monster quest sbs
    cfd bond lol mom bar ink wiki design art studio software codes social chat games game
    video tube photo pics pictures money finance bank capital fund exchange market markets
    trading crypto cash credit loans tax legal law health care clinic academy school
    university college energy solar city land estate house properties rentals expert
    consulting management marketing ventures holdings partners foundation institute plus
    run fit bio eco green red blue pink black gold ninja rocks cool wtf fail lat arpa onion
    """
)
FILE_EXTENSIONS = _words(
    """
    json txt log exe dll sys py pyc js ts jsx tsx html htm xhtml php asp aspx jsp cgi css scss
    zip gz tgz bz2 xz rar tar jar war apk ipa msi iso img dmg bin dat tmp bak old swp db sqlite
    sql csv tsv xml yml yaml ini conf cfg toml env md rst pdf doc docx xls xlsx xlsm ppt pptx
    odt rtf png jpg jpeg gif bmp svg ico tif tiff webp mp3 mp4 avi mov mkv wav sh bash zsh
    bat cmd ps1 psm1 vbs vbe wsf hta lnk scr cpl ocx so dylib ko rb pl pm go rs java class kt
    swift c h cc cpp hpp cs vb lua r m mm pem crt cer key pfx der csr eml msg pcap pcapng evtx
    """
)

_REFANG = [
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}", re.IGNORECASE), "."),
    (re.compile(r"\[@\]|\(@\)|\{@\}|\[at\]|\(at\)|\{at\}", re.IGNORECASE), "@"),
    (re.compile(r"\[:\]"), ":"),
    (re.compile(r"\[/\]"), "/"),
    (re.compile(r"\[://\]"), "://"),
    (re.compile(r"\bhxxp(s?)(?=:|\[:)", re.IGNORECASE), r"http\1"),
    (re.compile(r"\bfxp(?=:|\[:)", re.IGNORECASE), "ftp"),
]

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\d.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\d|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{0,4}|(?:\d{1,3}\.){3}\d{1,3})(?![\w:])",
    re.IGNORECASE,
)
_URL = re.compile(r"\b(?:https?|s?ftp)://[^\s\"'<>`{}|\\^\[\]]+", re.IGNORECASE)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_EMAIL = re.compile(
    rf"(?<![\w.%+-])[\w.%+-]{{1,64}}@(?:{_LABEL}\.)+[a-z]{{2,24}}(?![\w-])", re.IGNORECASE
)
_DOMAIN = re.compile(
    rf"(?<![\w@.-])(?:{_LABEL}\.)+(?P<tld>[a-z]{{2,24}})(?![\w-])(?!\.[a-z0-9])", re.IGNORECASE
)
_HASHES = {
    "md5": re.compile(r"\b[0-9a-f]{32}\b", re.IGNORECASE),
    "sha1": re.compile(r"\b[0-9a-f]{40}\b", re.IGNORECASE),
    "sha256": re.compile(r"\b[0-9a-f]{64}\b", re.IGNORECASE),
}
_CVE = re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.IGNORECASE)
_URL_TRAILER = ".,;:!?)'\""


def refang(text: str) -> str:
    """Undo the usual defanging (``hxxp``, ``[.]``, ``(.)``, ``[@]``, ``[:]``)."""
    for pattern, replacement in _REFANG:
        text = pattern.sub(replacement, text)
    return text


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (object keys excluded), depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif value is not None and not isinstance(value, bool):
        yield json.dumps(value)


def looks_like_domain(name: str) -> bool:
    """True when ``name``'s last label is a plausible TLD and not a file extension."""
    tld = name.rsplit(".", 1)[-1].lower()
    if "." not in name or not tld.isalpha() or tld in FILE_EXTENSIONS:
        return False
    return len(tld) == 2 or tld in GENERIC_TLDS


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _ipv6(text: str) -> Iterator[str]:
    for candidate in _IPV6.findall(text):
        if candidate == "::" or not any(c.isdigit() for c in candidate):
            continue  # "::" and letter-only forms (a::b) are mostly code, not addresses
        try:
            yield ipaddress.IPv6Address(candidate).compressed
        except ValueError:
            continue


def _urls(text: str) -> list[str]:
    return _unique(match.rstrip(_URL_TRAILER) for match in _URL.findall(text))


def _url_hosts(urls: list[str]) -> Iterator[str]:
    for url in urls:
        try:
            host = urlsplit(url).hostname
        except ValueError:
            continue
        if host:
            yield host.lower()


def _domains(text: str, urls: list[str], emails: list[str]) -> list[str]:
    remaining = text
    for found in (*urls, *emails):  # their hosts are handled apart
        remaining = remaining.replace(found, " ")
    names = [match.group(0).lower() for match in _DOMAIN.finditer(remaining)]
    hosts = [host for host in _url_hosts(urls) if not _is_ip(host)]
    return _unique(name for name in (*hosts, *names) if looks_like_domain(name))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def extract_iocs(data: Any) -> dict[str, Any]:
    """IOCs found in text or in any JSON value, deduplicated, in order of appearance."""
    text = refang("\n".join(strings_in(data)))
    urls = _urls(text)
    emails = _unique(match.lower() for match in _EMAIL.findall(text))
    found: dict[str, Any] = {
        "ipv4": _unique(_IPV4.findall(text)),
        "ipv6": _unique(_ipv6(text)),
        "domains": _domains(text, urls, emails),
        "urls": urls,
        "emails": emails,
        **{kind: _unique(m.lower() for m in rx.findall(text)) for kind, rx in _HASHES.items()},
        "cves": _unique(match.upper() for match in _CVE.findall(text)),
    }
    found["count"] = sum(len(found[kind]) for kind in IOC_KINDS)
    return found
