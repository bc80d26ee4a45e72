"""The hosting tools' text answers: a value the API did not give is left out or shown as '-', never as None."""

from __future__ import annotations

from infomaniak_mcp.api.hosting.models import Certificate, Site, WebHosting
from infomaniak_mcp.tools.hosting_common import row, rows_of
from infomaniak_mcp.tools.hosting_nodejs import NodeAppDetail
from infomaniak_mcp.tools.hosting_reads import (
    DatabaseList,
    FtpUserList,
    HostingList,
    SiteDetail,
    SiteList,
    cert_row,
    hosting_row,
    site_row,
)


def test_sparse_values_never_render_as_none() -> None:
    site = row(site_row(Site(id=9)))
    cert = row(cert_row(9, None, Certificate(status="ok"), now=0.0))
    texts = [
        HostingList(hostings=rows_of([hosting_row(WebHosting(id=7))])).to_text(),
        SiteList(hosting_id=7, sites=[{**site, "certificate": cert}]).to_text(),
        SiteDetail(hosting_id=7, site=site, ips=[], certificate=cert, databases=[]).to_text(),
        DatabaseList(hosting_id=7, databases=[{"name": "p_db", "users": {}}], users=[]).to_text(),
        FtpUserList(hosting_id=7, users=[{"login": "p_ci", "type": "ftp", "active": True}]).to_text(),
        NodeAppDetail(hosting_id=7, app_id=5, status="Running", config={}, domains=[], jobs=[],
                      log_stream="https://logs.example/x", log_token="t").to_text(),
    ]
    for text in texts:
        assert "None" not in text, text
    assert "SSL site 9: ok" in texts[1]


def test_undo_step_descriptions_of_sparse_values_never_say_none() -> None:
    from infomaniak_mcp.safety.inverse import step_inverse
    from infomaniak_mcp.safety.plan import AppliedStep, Step

    step = Step(operation="hosting.delete_ftp_user", params={"hosting_id": 7, "login": "p_ci"},
                resource="hosting:7/users/p_ci", description="x")
    undo = step_inverse(AppliedStep(step=step, resource=step.resource, before={"login": "p_ci"}))
    assert "None" not in undo[0].description
