"""Redaction: secrets go, flags and counts stay — both ways, by key and in text."""

from __future__ import annotations

import pytest

from infomaniak_mcp.safety.redact import REDACTED, redact, redact_keys, redact_text, register_secret


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password=hunter2", f"password={REDACTED}"),
        ("db password: hunter2, next", f"db password: {REDACTED}, next"),
        ("DB_PASSWORD=hunter2", f"DB_PASSWORD={REDACTED}"),
        ("?access_token=abc123&x=1", f"?access_token={REDACTED}&x=1"),
        ("client_secret: s3cr3t", f"client_secret: {REDACTED}"),
        ("password=trueblue", f"password={REDACTED}"),  # only the bare words are flags
        ("password=nonesuch", f"password={REDACTED}"),
        ("Authorization: Bearer abcdefgh12345678", f"Authorization: Bearer {REDACTED}"),
    ],
)
def test_secrets_in_text_are_redacted(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Give rotate_password: true, database and rights, or connection_type.",
        "Give rotate_password=true, or connection_type.",
        "rotate_password=false",
        "password: null",
        "has_password=None",
    ],
)
def test_flags_in_text_are_kept(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"password": "hunter2secret"}', f'{{"password": "{REDACTED}"}}'),
        ("{'X-XSRF-TOKEN': 'abcdef1234567890'}", f"{{'X-XSRF-TOKEN': '{REDACTED}'}}"),
        (
            "[(b'set-cookie', b'laravel_session=abcdef123456'), (b'content-type', b'application/json')]",
            f"[(b'set-cookie', b'{REDACTED}'), (b'content-type', b'application/json')]",
        ),
        ('{"jwt_token": "abc.def.ghi", "name": "logs"}', f'{{"jwt_token": "{REDACTED}", "name": "logs"}}'),
        ('password="with \\"quote"', f'password="{REDACTED}"'),
    ],
)
def test_quoted_secret_pairs_in_text_are_redacted(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        '{"rotate_password": true, "password": null, "secret_ratio": 0.5}',
        '{"token_type": "Bearer", "session_id": "s-1", "has_password": "yes"}',
        "Give one of 'password', 'login'.",  # a list of field names is not a (key, value) tuple
        "{'password': ''}",
    ],
)
def test_quoted_flags_safe_keys_and_name_lists_are_kept(text: str) -> None:
    assert redact_text(text) == text


def test_quoted_pair_scan_stays_linear_on_long_strings() -> None:
    import time

    start = time.perf_counter()
    for text in ("token" * 20_000, '"password": "' + "x" * 100_000, "'a', " * 20_000):
        redact_text(text)
    assert time.perf_counter() - start < 2.0


def test_by_key_only_string_values_are_redacted() -> None:
    value = {
        "password": "hunter2",
        "private_key": b"-----BEGIN",
        "rotate_password": True,
        "certificate": False,
        "token": None,
        "session_timeout": 3600,
        "secret_ratio": 0.5,
        "api_key": "",
    }
    assert redact(value) == {
        "password": REDACTED,
        "private_key": REDACTED,
        "rotate_password": True,
        "certificate": False,
        "token": None,
        "session_timeout": 3600,
        "secret_ratio": 0.5,
        "api_key": "",
    }


def test_strings_nested_under_a_secret_key_are_redacted() -> None:
    value = {"credentials": {"user": "ann", "port": 22, "tls": True}, "tokens": ["t1", ("t2", 3)]}
    assert redact(value) == {
        "credentials": {"user": REDACTED, "port": 22, "tls": True},
        "tokens": [REDACTED, [REDACTED, 3]],
    }


def test_registered_secrets_and_patterns_still_apply_under_other_keys() -> None:
    register_secret("Zq8-registered-value")
    value = {"note": "pw is Zq8-registered-value", "hint": "password=hunter2", "ok": "rotate_password: true"}
    assert redact(value) == {
        "note": f"pw is {REDACTED}",
        "hint": f"password={REDACTED}",
        "ok": "rotate_password: true",
    }


def test_redact_keys_is_the_key_rule_alone() -> None:
    """For the history: secret-named string values go, flags stay, other strings are kept verbatim."""
    value = {"params": {"rotate_password": True, "password": "hunter2", "target": "password=kept-verbatim"}}
    assert redact_keys(value) == {
        "params": {"rotate_password": True, "password": REDACTED, "target": "password=kept-verbatim"}
    }
