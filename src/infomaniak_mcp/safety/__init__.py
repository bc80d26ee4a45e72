"""safety: the safe-writes engine (SDK-free, HTTP-free).

- `plan`: `Plan`, `Step`, `DiffEntry`, `AppliedStep`, `canonical_json`, `fingerprint`;
- `tokens`: HMAC confirmation tokens bound to tool + arguments + principal, single use;
- `audit`: append-only, hash-chained JSONL audit log with `verify`, `tail`, `search`;
- `history`: applied writes with their pre-state; `inverse`: how each operation is undone;
- `executor`: `apply_plan` (ordered steps, per-resource locks, partial-failure reports), `poll_async`;
- `redact`: what a secret looks like; `state`: the private state directory.
"""
