"""Typed async client of the Infomaniak API (no heavy work at import time).

- `client.InfomaniakApi` — the facade tools use (`.core`, `.dns`, `.domain`, `.hosting`,
  `.mail`, `.drive`, `.manager`, `.http`).
- `_http.HttpCore` / `_http.ApiHttp` — the HTTP core (auth, rate limit, deadline, retries,
  envelope, pagination); `manager.ManagerHttp` — the cookie-authenticated manager surface.
- `ratelimit` — the per-token sliding-window limiter; `errors` — the one error tree.
- one sub-package per product (`client.py`, `models.py`).
"""
