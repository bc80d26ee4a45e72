"""Response envelope and error shapes (facts §2, §7.0).

Success: `{"result": "success", "data": ...}` plus optional top-level members (pagination).
Error:   `{"result": "error", "error": {"code", "description"[, "errors": [...]]}}`, where each
item of `errors` has the same shape recursively with `context: {attribute, values}` (422
`validation_failed`, Laravel style).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import HTMLResponse, JSONResponse, Response

JSON = dict[str, Any]


class ApiError(Exception):
    """Raised by handlers and the front door; rendered as an error envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        description: str,
        *,
        errors: list[JSON] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> JSON:
        error: JSON = {"code": self.code, "description": self.description}
        if self.errors is not None:
            error["errors"] = self.errors
        return {"result": "error", "error": error}

    def response(self) -> Response:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def ok(data: Any, *, status: int = 200, extra: JSON | None = None) -> Response:
    """A success envelope; `extra` adds top-level members (total, page, cursor…)."""
    body: JSON = {"result": "success", "data": data}
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status)


def rule(code: str, attribute: str, description: str, values: list[Any] | None = None) -> JSON:
    """One `errors[]` item of a 422 (e.g. `validation_rule_required` on `ttl`)."""
    return {
        "code": code,
        "description": description,
        "context": {"attribute": attribute, "values": values if values is not None else []},
    }


def validation_failed(*items: JSON) -> ApiError:
    """422 validation_failed with per-attribute items (facts §2, §7.0)."""
    return ApiError(422, "validation_failed", "Validation failed", errors=list(items))


def required(attribute: str) -> JSON:
    return rule(
        "validation_rule_required", attribute, f"The {attribute.replace('_', ' ')} field is required."
    )


def not_found(what: str = "Object") -> ApiError:
    return ApiError(404, "object_not_found", f"{what} not found")


def method_not_found() -> ApiError:
    return ApiError(404, "method_not_found", "Method not found")


LOGIN_PAGE_HTML = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Connexion - Infomaniak</title>
</head>
<body class="login">
<div id="app">
<h1>Connectez-vous à votre compte Infomaniak</h1>
<form method="post" action="/login" id="login-form">
<input type="email" name="login" autocomplete="username" placeholder="Adresse mail ou nom d'utilisateur">
<input type="password" name="password" autocomplete="current-password">
<button type="submit">Connexion</button>
</form>
</div>
</body>
</html>
"""


def login_page(status: int = 200) -> Response:
    """The HTML login page the manager shows when the session is gone (served by faults)."""
    return HTMLResponse(LOGIN_PAGE_HTML, status_code=status)
