"""Domains: `/1/domain/account/{id}` and `/1/domain/{d}` (v1 flags), `/2/domains/domains[/{d}]`
(v2 list and detail), `/2/domains/{d}/zones`, `/2/domains/{d}/dnssec/{check,enable,disable}`,
`/2/domains/{d}/nameservers`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infomaniak_mcp.api._envelope import Paged
from infomaniak_mcp.api._http import HttpCore, path_segment
from infomaniak_mcp.api._models import parse_list
from infomaniak_mcp.api.domain.models import DnssecStatus, Domain, DomainSummary, DomainZone


def _name(domain: str) -> str:
    return path_segment(domain.strip().rstrip(".").lower())


class DomainClient:
    """Domain names (registration side); their DNS content is `DnsClient`'s."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    async def list_domains(self, account_id: int) -> list[DomainSummary]:
        """`GET /1/domain/account/{account_id}`: the domains of an organisation, with v1 flags."""
        path = f"/1/domain/account/{path_segment(account_id)}"
        return parse_list(DomainSummary, await self._http.get(path), method="GET", path=path)

    async def get_domain_flags(self, domain: str) -> DomainSummary:
        """`GET /1/domain/{domain}`: v1 flags (DNS managed here, DNSSEC pending, errors, IDN)."""
        path = f"/1/domain/{_name(domain)}"
        return await self._http.get_model(DomainSummary, path)

    async def list_domains_v2(
        self,
        *,
        account_id: int | None = None,
        search: str | None = None,
        tld: str | None = None,
        expires_before: int | None = None,
        order_by: str | None = None,
        max_items: int = 5000,
    ) -> Paged[Domain]:
        """`GET /2/domains/domains` (page paging, page size named `items` — facts §3, XL): dates and
        options; `expires_before` is Unix seconds."""
        params = {
            "account_id": account_id,
            "search": search,
            "tld": tld,
            "expires_before": expires_before,
            "order_by": order_by,
        }
        return await self._http.paginate(
            "/2/domains/domains", params, model=Domain, max_items=max_items, size_param="items"
        )

    async def get_domain(self, domain: str) -> Domain:
        """`GET /2/domains/domains/{domain}`: dates, options, contacts, EPP status."""
        return await self._http.get_model(Domain, f"/2/domains/domains/{_name(domain)}")

    async def list_zones(self, domain: str, *, max_items: int = 5000) -> Paged[DomainZone]:
        """`GET /2/domains/{domain}/zones` (page paging)."""
        path = f"/2/domains/{_name(domain)}/zones"
        return await self._http.paginate(path, model=DomainZone, max_items=max_items)

    async def check_dnssec(self, domain: str) -> DnssecStatus:
        """`GET /2/domains/{domain}/dnssec/check`."""
        return await self._http.get_model(DnssecStatus, f"/2/domains/{_name(domain)}/dnssec/check")

    async def enable_dnssec(self, domain: str, *, dnssec_data: Sequence[str] | None = None) -> bool:
        """`POST /2/domains/{domain}/dnssec/enable`; `dnssec_data` (DS/key lines) only for external NS."""
        body: dict[str, Any] = {}
        if dnssec_data:
            body["dnssec_data"] = list(dnssec_data)
        return bool(await self._http.post(f"/2/domains/{_name(domain)}/dnssec/enable", body))

    async def disable_dnssec(self, domain: str) -> bool:
        """`POST /2/domains/{domain}/dnssec/disable`."""
        return bool(await self._http.post(f"/2/domains/{_name(domain)}/dnssec/disable", {}))

    async def update_nameservers(
        self,
        domain: str,
        *,
        nameservers: Sequence[str] | None = None,
        use_infomaniak_ns: bool | None = None,
        verify_ns_availability: bool | None = None,
    ) -> bool:
        """`PUT /2/domains/{domain}/nameservers`: `nameservers` (≥ 2) or `use_infomaniak_ns`."""
        if nameservers is None and not use_infomaniak_ns:
            raise ValueError("give nameservers (at least 2) or use_infomaniak_ns=True")
        if nameservers is not None and len(nameservers) < 2:
            raise ValueError("at least 2 nameservers are required")
        body: dict[str, Any] = {}
        if nameservers is not None:
            body["nameservers"] = list(nameservers)
        if use_infomaniak_ns is not None:
            body["use_infomaniak_ns"] = use_infomaniak_ns
        if verify_ns_availability is not None:
            body["verify_ns_availability"] = verify_ns_availability
        return bool(await self._http.put(f"/2/domains/{_name(domain)}/nameservers", body))
