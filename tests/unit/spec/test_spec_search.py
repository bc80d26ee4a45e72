"""Operation search: intents rank the right operation near the top; filters narrow; scopes per family."""

from __future__ import annotations

import pytest

from infomaniak_mcp.spec.model import ApiSpec
from infomaniak_mcp.spec.scopes import ANY_TOKEN, required_scope, scope_label
from infomaniak_mcp.spec.search import known_gaps, product_name, search_operations, stem, tokens, weak

MAILBOX = "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}"
PROJECT = "/1/public_clouds/{public_cloud_id}/projects/{public_cloud_project_id}"
INTENTS = [
    ("list dns records", "GET /2/zones/{zone}/records", 1),
    ("create dns record", "POST /2/zones/{zone}/records", 1),
    ("delete a mailbox", "DELETE /1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}", 1),
    ("create email alias", "POST /1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}/aliases", 1),
    ("list organisations accounts", "GET /1/accounts", 1),
    ("list mailboxes", "GET /1/mail_hostings/{mail_hosting_id}/mailboxes", 1),
    ("list drives", "GET /2/drive", 1),
    ("rename a file in kdrive", "POST /2/drive/{drive_id}/files/{file_id}/rename", 1),
    ("swiss backup slots", "GET /1/swiss_backups/{swiss_backup_id}/slots", 2),
    ("enable dnssec", "POST /2/domains/{domain}/dnssec/enable", 1),
    ("create a newsletter campaign", "POST /1/newsletters/{domain}/campaigns", 1),
    ("kubernetes cluster", "GET /1/public_clouds/kaas", 3),
    ("post a message in a chat channel", "POST /api/v4/posts", 1),
    ("list mail hostings", "GET /1/mail_hostings", 3),
    ("who am i", "GET /2/profile", 1),
    ("change mailbox quota", "PATCH /1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}", 3),
    ("delete a kdrive file", "DELETE /2/drive/{drive_id}/files/{file_id}", 3),
    ("post a message in a kchat channel", "POST /api/v4/posts", 3),
    ("create a kubernetes cluster", f"POST {PROJECT}/kaas", 1),
    ("restore a file from kdrive trash", "POST /2/drive/{drive_id}/trash/{file_id}/restore", 1),
    ("create a kdrive share link", "POST /2/drive/{drive_id}/files/{file_id}/link", 1),
    ("reset mailbox password", f"POST {MAILBOX}/request_reset_password", 1),
    ("set up mail forwarding", f"POST {MAILBOX}/forwarding_addresses", 3),
    ("list drive users", "GET /3/drive/{drive_id}/users", 3),
    ("create a meeting room", "POST /1/kmeet/rooms", 1),
    ("shorten a url", "POST /2/url-shortener", 3),
]
GAPS = [
    ("restart a VPS", "VPS"),
    ("install a free certificate", "certificates"),
    ("list ssl certificates", "certificates"),
    ("list my invoices", "Invoices"),
    ("renew domain", "renewals"),
    ("transfer a domain", "transfers"),
    ("domain expiration date", "domain_list_domains"),
    ("list ftp users", "hosting tools"),
]


@pytest.mark.parametrize(("intent", "expected", "within"), INTENTS, ids=[i[0] for i in INTENTS])
def test_intents_find_their_operation(api_spec: ApiSpec, intent: str, expected: str, within: int) -> None:
    hits = [h.operation.key for h in search_operations(api_spec, intent, limit=within)]
    assert expected in hits, hits


@pytest.mark.parametrize(("intent", "named"), GAPS, ids=[g[0] for g in GAPS])
def test_what_the_public_spec_lacks_is_weak_and_named(api_spec: ApiSpec, intent: str, named: str) -> None:
    hits = search_operations(api_spec, intent, limit=3)
    assert weak(hits), [h.operation.key for h in hits]
    assert any(named in note for note in known_gaps(intent))


@pytest.mark.parametrize("intent", ["list ssl certificates", "list my invoices", "who am i", "renew domain"])
def test_a_generic_verb_alone_makes_no_hit(api_spec: ApiSpec, intent: str) -> None:
    hits = search_operations(api_spec, intent, limit=5)
    assert not any("mailing" in h.operation.path or "emoji" in h.operation.path for h in hits), hits
    assert all(h.coverage > 0 for h in hits)
    assert not any(h.operation.product == "url_shortener" for h in search_operations(api_spec, "change mailbox quota",
                                                                                     limit=3))


def test_filters_product_method_and_path_fragment(api_spec: ApiSpec) -> None:
    hits = search_operations(api_spec, "", product="mail", method="DELETE", path_contains="ALIASES", limit=50)
    assert hits
    assert all(h.operation.product == "mail" and h.operation.method == "DELETE" for h in hits)
    assert all("aliases" in h.operation.path for h in hits)
    assert [h.operation.path for h in hits] == sorted(h.operation.path for h in hits)  # no text: by path
    assert search_operations(api_spec, "records", product="dns", limit=3)[0].operation.product == "domain"


def test_no_match_is_empty_and_limit_holds(api_spec: ApiSpec) -> None:
    assert search_operations(api_spec, "zzzqqq xyzzy") == []
    assert len(search_operations(api_spec, "list", limit=7)) == 7
    assert len(search_operations(api_spec, "", limit=1000)) == len(api_spec)


def test_deprecated_operations_rank_below_current_ones(api_spec: ApiSpec) -> None:
    hits = search_operations(api_spec, "shorten url", product="url_shortener", limit=10)
    assert hits
    first_deprecated = next(i for i, h in enumerate(hits) if h.operation.deprecated)
    assert any(not h.operation.deprecated for h in hits[:first_deprecated + 1])


def test_words_are_stemmed_alike() -> None:
    assert stem("mailboxes") == stem("mailbox")
    assert stem("created") == stem("create") == stem("creating")
    assert stem("zones") == stem("zone")
    assert tokens("ListDnsRecords the_zone") == ["list", "dns", "record", "zone"]
    assert product_name("DNS") == "domain"
    assert product_name("kdrive") == "kdrive"


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/2/zones/{zone}/records", "dns:read"),
        ("POST", "/2/zones/{zone}/records", "dns:write"),
        ("PUT", "/2/domains/{domain}/nameservers", "domain:write"),
        ("GET", "/1/accounts", "accounts"),
        ("GET", "/1/products", "accounts"),
        ("GET", "/2/profile", "user_info"),
        ("DELETE", "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}", "mail"),
        ("GET", "/3/drive/{drive_id}/files/{file_id}/files", "drive"),
        ("POST", "/api/v4/posts", "kchat"),
        ("GET", "/1/async/tasks/{task_uuid}", ANY_TOKEN),
        ("GET", "/1/newsletters/{domain}/campaigns", None),
        ("GET", "/1/accountsx", None),
    ],
)
def test_scopes_by_path_family(method: str, path: str, scope: str | None) -> None:
    assert required_scope(method, path) == scope


def test_scope_labels() -> None:
    assert scope_label("GET", "/1/async/tasks/x") == "any valid token"
    assert scope_label("GET", "/1/newsletters/x").startswith("unknown")


def test_gaps_curated_tools_fill_are_left_out_for_tool_search() -> None:
    assert known_gaps("install a free certificate")
    assert known_gaps("install a free certificate", uncurated=True) == []
    assert known_gaps("list ftp users", uncurated=True) == []
    assert [n for n in known_gaps("renew domain", uncurated=True) if "renewals" in n]
    assert [n for n in known_gaps("restart a VPS", uncurated=True) if "VPS" in n]
