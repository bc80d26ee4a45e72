"""The official OpenAPI spec, bundled in compact form, and what the `api` tools and the sandbox do with it.

- `operations.json.gz`: the compact spec (785 operations, their parameters, bodies, success
  answers and error codes, and the component schemas they use), built by `build.py` from
  `shared/infomaniak-openapi/` and committed. Known gaps of the export are in its `notes`.
- `model.py`: `load_spec()` reads it on first use (never at import or start-up) → `ApiSpec`,
  `Operation`, path matching.
- `search.py`: BM25 ranking of operations for an intent; `describe.py`: compact descriptions;
  `validate.py`: checks a call before it is sent; `sample.py`: deterministic example values (the
  sandbox's generated answers); `scopes.py`: API token scope per path family.
- `infomaniak-openapi-2025-12.clean.json.gz`: the full cleaned export, used by the contract tests.

This package imports nothing from the rest of `infomaniak_mcp` (the sandbox uses it too).
"""
