"""Matching rules of the inventory, over an immutable index built once per snapshot.

- By address: an asset whose ``ip`` is that exact address wins; otherwise the assets of the
  most specific network containing it (``10.20.0.0/16`` beats ``10.0.0.0/8``). Networks are
  kept in hash tables per prefix length, so a lookup costs one probe per distinct length
  rather than a scan of every asset.
- By hostname: without case and without a trailing dot. A short name (``web01``) also finds
  FQDNs whose first label it is (``web01.example.org``) when no asset has the short name
  itself; an FQDN never matches another domain, since alerts may carry names an attacker
  chose.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

from threatflow.assets.schemas import RANK, AssetIn, Criticality
from threatflow.errors import InvalidInput

A = TypeVar("A", bound=AssetIn, covariant=True)  # an index of AssetOut is one of AssetIn
T = TypeVar("T", bound=AssetIn)

# per IP version: (prefix length, {network bits: assets}), longest prefix first
_Networks = dict[int, list[tuple[int, dict[int, list[A]]]]]


def name_key(hostname: str) -> str:
    """A hostname as matching compares it."""
    return hostname.strip().lower().rstrip(".")


def parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An IP address, or ``InvalidInput`` naming the ``ip`` field."""
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        raise InvalidInput(f"{text!r} is not an IP address", field="ip") from None


class AssetIndex(Generic[A]):
    """Assets arranged for lookups by address and hostname; never changed once built."""

    def __init__(self, assets: Iterable[A] = ()) -> None:
        self.assets: tuple[A, ...] = tuple(assets)
        self._networks = _index_networks(self.assets)
        self._names: dict[str, list[A]] = {}
        self._short: dict[str, list[A]] = {}
        for asset in self.assets:
            if asset.hostname:
                key = name_key(asset.hostname)
                self._names.setdefault(key, []).append(asset)
                if "." in key:
                    self._short.setdefault(key.split(".", 1)[0], []).append(asset)

    def __len__(self) -> int:
        return len(self.assets)

    def by_ip(self, text: str) -> list[A]:
        """Assets at this address, else in the most specific network holding it.

        Raises:
            InvalidInput: ``text`` is not an IP address (field ``ip``).
        """
        address = parse_address(text)
        value, bits = int(address), address.max_prefixlen
        for prefixlen, table in self._networks.get(address.version, ()):
            found = table.get(value >> (bits - prefixlen))
            if found:
                return list(found)
        return []

    def by_hostname(self, name: str) -> list[A]:
        """Assets with this hostname, or FQDNs starting with it when it is a short name."""
        wanted = name_key(name)
        exact = self._names.get(wanted)
        if exact or "." in wanted:
            return list(exact or ())
        return list(self._short.get(wanted, ()))

    def filter(self, *, owner: str | None = None, tag: str | None = None,
               min_criticality: Criticality | None = None) -> list[A]:
        """Assets of an owner (without case), carrying a tag, or at least this critical."""
        pool: Sequence[A] = self.assets
        if owner:
            pool = [a for a in pool if (a.owner or "").lower() == owner.lower()]
        if tag:
            pool = [a for a in pool if tag in a.tags]
        if min_criticality:
            pool = [a for a in pool if RANK[a.criticality] >= RANK[min_criticality]]
        return list(pool)


def most_critical(assets: Sequence[T]) -> T | None:
    """The first of the most critical assets, or None for none."""
    return max(assets, key=lambda a: RANK[a.criticality], default=None)


def _index_networks(assets: Iterable[T]) -> _Networks[T]:
    tables: dict[tuple[int, int], dict[int, list[T]]] = {}
    for asset in assets:
        if not asset.ip:
            continue
        network = ipaddress.ip_network(asset.ip, strict=False)
        bits = network.max_prefixlen
        key = int(network.network_address) >> (bits - network.prefixlen)
        tables.setdefault((network.version, network.prefixlen), {}).setdefault(key, []).append(
            asset)
    networks: _Networks[T] = {}
    for (version, prefixlen), table in sorted(tables.items(), key=lambda kv: -kv[0][1]):
        networks.setdefault(version, []).append((prefixlen, table))
    return networks
