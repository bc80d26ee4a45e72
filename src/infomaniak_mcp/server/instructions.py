"""Server instructions: a short general preamble plus the instructions of every enabled toolset.

Clients show these to the model once per session, and some clients index them for tool search,
so the preamble names the products in the words people use (Infomaniak, web hosting, domains,
DNS, mail, kDrive…).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from infomaniak_mcp.server.registry import ToolsetInfo

PREAMBLE = (
    "infomaniak-mcp administers an Infomaniak account (the Swiss cloud provider): organisations and "
    "their products, web hosting (sites, databases, Node.js), domains and DNS zones and records, "
    "mail hostings and mailboxes, kDrive, users and teams. Tools are named <toolset>_<verb>_<noun>.\n"
    "How ids flow: never guess an id. {start}; list tools return the ids (and names) that get/update "
    "tools take. DNS zones are addressed by domain name.\n"
    "Safety: read tools (readOnlyHint) never change anything; call a write tool only when the user asked "
    "for that change. A write tool first returns a plan: either the user is asked directly, or the result "
    "has status confirmation_required with the plan and a confirmation_token; show the plan to the user "
    "and, only if they agree, call the same tool with the same arguments plus confirmation_token. "
    "Applied writes can be reverted with history_undo. Errors come back as results with an error "
    "code, an explanation and the next step to take; follow the next step instead of retrying blindly. "
    "Lists fetch every page up to a cap and say truncated: true when narrowing is needed."
)

READ_ONLY_NOTE = "This server runs in read-only mode: only read tools are available."
SANDBOX_NOTE = (
    "This server is connected to the built-in sandbox (a simulated demo account), not to a real "
    "Infomaniak account: changes affect only the simulation."
)
NO_TOKEN_NOTE = (
    "No Infomaniak API token is configured: every tool answers with how to create one "
    "(Manager → API tokens) until INFOMANIAK_API_TOKEN is set."
)


def build_instructions(
    toolset_names: Iterable[str],
    catalog: Mapping[str, ToolsetInfo],
    *,
    read_only: bool = False,
    sandbox: bool = False,
    configured: bool = True,
) -> str:
    """Preamble, mode notes, then one paragraph per enabled toolset (catalog order)."""
    enabled = set(toolset_names)
    start = (
        "Start with account_overview to get the organisations (account ids) and their products"
        if "account" in enabled
        else "Start with a list tool to get the ids"
    )
    parts = [PREAMBLE.format(start=start)]
    if sandbox:
        parts.append(SANDBOX_NOTE)
    elif not configured:
        parts.append(NO_TOKEN_NOTE)
    if read_only:
        parts.append(READ_ONLY_NOTE)
    for name, info in catalog.items():
        if name in enabled:
            body = info.instructions.strip() or info.description.strip()
            parts.append(f"{info.title} ({name}_*): {body}")
    return "\n\n".join(parts)
