"""The bundled compact spec: up to date with its sources, complete, gaps noted, corrections in sync."""

from __future__ import annotations

import gzip
import json

import pytest
from spec import SPEC_EXCEPTIONS, documented_operations

from infomaniak_mcp.spec import build
from infomaniak_mcp.spec.model import BUNDLED, ApiSpec, read_document

MERGED_MAILBOX = (
    "PUT /1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}",
    "PATCH /1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}",
    "DELETE /1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}",
    "PATCH /1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}/forwarding_addresses",
)


def test_every_operation_of_the_cleaned_export_is_bundled(api_spec: ApiSpec) -> None:
    bundled = {(op.method, op.path) for op in api_spec}
    missing = documented_operations() - bundled
    assert not missing
    assert len(documented_operations()) == 748
    assert len(api_spec) > 748


def test_methods_the_export_lost_are_merged_with_their_source(api_spec: ApiSpec) -> None:
    for key in MERGED_MAILBOX:
        method, path = key.split(" ", 1)
        op = api_spec.get(method, path)
        assert op is not None, key
        assert op.source in ("2026-04", "2024-05")
        assert op.product == "mail"
    put = api_spec.get("PUT", "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}")
    assert put is not None
    assert put.source == "2026-04"  # newest copy first
    assert put.body is not None
    assert "note" in put.body["schema"]["properties"]
    listing = api_spec.get("GET", "/1/mail_hostings")
    assert listing is not None
    assert listing.source == "2024-05"
    assert {op.source for op in api_spec} == {"2025-12", "2026-04", "2024-05"}


def test_known_gaps_are_noted(api_spec: ApiSpec) -> None:
    text = " ".join(api_spec.notes)
    assert "kchat.infomaniak.com" in text
    assert "ApiError" in text
    assert "TotalSuccessResponse" in text
    assert "mailbox PUT/PATCH/DELETE" in text
    stubs = [name for name, schema in api_spec.schemas.items() if "stub" in schema.get("description", "")]
    assert set(stubs) <= {"ApiError", "AppError", "Error", "SuccessResponse", "PaginatedSuccessResponse",
                          "TotalSuccessResponse"}


def test_every_reference_resolves_to_a_bundled_component(api_spec: ApiSpec) -> None:
    document = read_document()
    names = set(api_spec.schemas)
    dangling = {ref for ref in build.schema_refs(document) if ref not in names}
    assert not dangling


def test_products_and_kchat(api_spec: ApiSpec) -> None:
    products = {op.product for op in api_spec}
    assert products == {label for label, _ in build.PRODUCTS.values()}
    kchat = [op for op in api_spec if op.product == "kchat"]
    assert len(kchat) == 173
    assert all(op.is_kchat for op in kchat)


def test_corrections_mirror_the_contract_exceptions() -> None:
    """The build applies the same facts-file corrections as the contract tests validate with."""
    ours = {(c.kind, c.target, c.fields, json.dumps(c.schema or {}, sort_keys=True)) for c in build.CORRECTIONS}
    theirs = set()
    for exc in SPEC_EXCEPTIONS:
        schema = json.loads(json.dumps(dict(exc.schema)).replace("#/components/schemas/", ""))
        theirs.add((exc.kind, exc.target, exc.fields, json.dumps(schema if exc.schema else {}, sort_keys=True)))
    assert ours == theirs


def test_corrections_are_applied(api_spec: ApiSpec) -> None:
    mailbox = api_spec.schemas["93e74a89_Mailbox"]
    assert mailbox["properties"]["is_used_for_account"] == {"type": "boolean"}
    assert "current" not in api_spec.schemas["91ac10ff_Drive"].get("required", [])


def test_the_artefact_is_deterministic_and_small() -> None:
    raw = BUNDLED.read_bytes()
    assert len(raw) < 200_000
    document = json.loads(gzip.decompress(raw))
    assert build.serialise(document) == raw  # same bytes from the same content (mtime 0, sorted keys)


@pytest.mark.skipif(not (build.DEFAULT_SOURCE / build.BASE_FILE).is_file(), reason="shared spec sources absent")
def test_the_committed_artefact_matches_a_fresh_build() -> None:
    fresh = build.build(build.DEFAULT_SOURCE)
    assert gzip.decompress(build.serialise(fresh)) == gzip.decompress(BUNDLED.read_bytes()), (
        "stale: run uv run python -m infomaniak_mcp.spec.build"
    )
