"""DNS zones and records: `/2/zones/{zone}` and `/2/zones/{zone}/records[/{record}]`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from infomaniak_mcp.api._envelope import Paged
from infomaniak_mcp.api._http import HttpCore, path_segment
from infomaniak_mcp.api._models import parse_model
from infomaniak_mcp.api.dns.models import DnsRecord, Zone


def is_local_url(url: str) -> bool:
    """True for the sandbox and loopback test servers (`*.localhost`, 127.0.0.0/8, ::1)."""
    host = (urlsplit(url).hostname or "").lower()
    return host == "localhost" or host.endswith(".localhost") or host.startswith("127.") or host == "::1"


def _zone_path(zone: str) -> str:
    return f"/2/zones/{path_segment(zone.strip().rstrip('.').lower())}"


class DnsClient:
    """A zone is addressed by its FQDN (`example.ch`), a record by its numeric id."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    async def get_zone(self, zone: str) -> Zone:
        """`GET /2/zones/{zone}`."""
        return await self._http.get_model(Zone, _zone_path(zone))

    async def zone_exists(self, zone: str) -> bool:
        """`GET /2/zones/{zone}/exists`."""
        return bool(await self._http.get(f"{_zone_path(zone)}/exists"))

    async def list_records(
        self,
        zone: str,
        *,
        types: Sequence[str] | None = None,
        source: str | None = None,
        search: str | None = None,
        with_description: bool = False,
        max_items: int = 5000,
    ) -> Paged[DnsRecord]:
        """`GET /2/zones/{zone}/records`, every page; `filter[types][]`, `filter[source]`, `search`."""
        params: dict[str, Any] = {
            "filter[types][]": [t.upper() for t in types] if types else None,
            "filter[source]": source,
            "search": search,
            "with": "records_description" if with_description else None,
        }
        return await self._http.paginate(
            f"{_zone_path(zone)}/records", params, model=DnsRecord, max_items=max_items
        )

    async def get_record(self, zone: str, record_id: int, *, with_description: bool = False) -> DnsRecord:
        """`GET /2/zones/{zone}/records/{record}` (`with=records_description`: the target's parsed parts)."""
        params = {"with": "records_description"} if with_description else None
        return await self._http.get_model(
            DnsRecord, f"{_zone_path(zone)}/records/{path_segment(record_id)}", params
        )

    async def create_record(
        self, zone: str, *, type: str, target: str, ttl: int, source: str | None = None
    ) -> DnsRecord:
        """`POST /2/zones/{zone}/records` `{source?, type, target, ttl}` → the new record."""
        body: dict[str, Any] = {"type": type.upper(), "target": target, "ttl": ttl}
        if source is not None:
            body["source"] = source
        path = f"{_zone_path(zone)}/records"
        return parse_model(DnsRecord, await self._http.post(path, body), method="POST", path=path)

    async def update_record(
        self, zone: str, record_id: int, *, target: str | None = None, ttl: int | None = None
    ) -> DnsRecord:
        """`PUT /2/zones/{zone}/records/{record}` with the given fields (`target`, `ttl`)."""
        body = {k: v for k, v in (("target", target), ("ttl", ttl)) if v is not None}
        if not body:
            raise ValueError("update_record needs target and/or ttl")
        path = f"{_zone_path(zone)}/records/{path_segment(record_id)}"
        return parse_model(DnsRecord, await self._http.put(path, body), method="PUT", path=path)

    async def delete_record(self, zone: str, record_id: int) -> bool:
        """`DELETE /2/zones/{zone}/records/{record}` → True when deleted."""
        return bool(await self._http.delete(f"{_zone_path(zone)}/records/{path_segment(record_id)}"))

    async def local_dns_responder(self) -> tuple[str, int]:
        """`GET /_sandbox/dns`: (host, port) of the sandbox's DNS responder, started on first use.

        Only for a local API (the in-process or loopback sandbox, see `is_local_url`); it is never
        sent to Infomaniak. The sandbox answers for its zones there (UDP and TCP).
        """
        if not is_local_url(self._http.base_url):
            raise ValueError("the DNS responder exists only in the local sandbox")
        data = await self._http.get("/_sandbox/dns")
        if not isinstance(data, dict) or not isinstance(data.get("port"), int):
            raise ValueError("the sandbox did not say where its DNS responder listens")
        return str(data.get("host", "127.0.0.1")), int(data["port"])
