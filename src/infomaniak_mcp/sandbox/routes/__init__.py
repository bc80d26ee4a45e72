"""Route modules, one per product (same noun as `tools/` and `api/`), assembled by `all_routes()`."""

from __future__ import annotations

from infomaniak_mcp.sandbox.routing import ApiRoute, mirror_on_manager


def all_routes() -> list[ApiRoute]:
    """Admin, manager-only, public routes, then every public route mirrored under `/proxy`.

    Public routes whose documented operation has a `with` parameter check its values (withs.py).
    """
    from infomaniak_mcp.sandbox.routes import account, admin, core, dns, domain, drive, hosting, mail, manager
    from infomaniak_mcp.sandbox.routes.withs import check_documented_with

    public: list[ApiRoute] = []
    for module in (core, account, domain, dns, hosting, mail, drive):
        public.extend(module.routes.routes)
    public = check_documented_with(public, dns.DECLARED_WITH)
    return [
        *admin.routes.routes,
        *dns.admin_routes.routes,
        *manager.routes.routes,
        *public,
        *(mirror_on_manager(route) for route in public),
    ]
