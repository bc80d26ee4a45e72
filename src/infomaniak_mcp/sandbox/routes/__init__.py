"""Route modules, one per product (same noun as `tools/` and `api/`), assembled by `all_routes()`."""

from __future__ import annotations

from infomaniak_mcp.sandbox.routing import ApiRoute, mirror_on_manager


def all_routes() -> list[ApiRoute]:
    """Admin, manager-only, public routes, then every public route mirrored under `/proxy`."""
    from infomaniak_mcp.sandbox.routes import account, admin, core, dns, domain, drive, hosting, mail, manager

    public: list[ApiRoute] = []
    for module in (core, account, domain, dns, hosting, mail, drive):
        public.extend(module.routes.routes)
    return [
        *admin.routes.routes,
        *dns.admin_routes.routes,
        *manager.routes.routes,
        *public,
        *(mirror_on_manager(route) for route in public),
    ]
