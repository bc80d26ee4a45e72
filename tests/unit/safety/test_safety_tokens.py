"""Confirmation tokens: binding, expiry, single use, signatures, persistence, secret file."""

from __future__ import annotations

import base64
import hashlib
import hmac
import stat
import struct
import threading
from pathlib import Path
from typing import Any

import pytest
from safety_fakes import FakeClock

from infomaniak_mcp.config import ConfigError
from infomaniak_mcp.safety.plan import Plan, Step, fingerprint
from infomaniak_mcp.safety.redact import redact, redact_text
from infomaniak_mcp.safety.state import state_dir
from infomaniak_mcp.safety.tokens import (
    REASON_MESSAGES,
    REASONS,
    SECRET_FILE_NAME,
    TOKEN_PREFIX,
    USED_FILE_NAME,
    ConfirmationError,
    ConfirmationTokens,
    arguments_digest,
    confirm_ttl,
    load_or_create_secret,
)

SECRET = bytes(range(32))
TOOL = "dns_delete_record"
ARGS: dict[str, Any] = {"zone": "example.ch", "record_id": 42}


def make_plan() -> Plan:
    return Plan(
        tool=TOOL,
        summary="Delete www.example.ch A 192.0.2.1",
        steps=[
            Step(
                operation="dns.delete_record",
                params={"zone": "example.ch", "record_id": 42},
                resource="dns:example.ch/records/42",
                description="Delete the record",
                before={"id": 42, "source": "www", "type": "A", "target": "192.0.2.1", "ttl": 3600},
            )
        ],
        risk="high",
        target_name="www.example.ch",
        fingerprint=fingerprint({"id": 42}),
        reversible=True,
    )


@pytest.fixture
def tokens(clock: FakeClock) -> ConfirmationTokens:
    return ConfirmationTokens(SECRET, 120, clock)


def refused(tokens: ConfirmationTokens, token: str, tool: str = TOOL, args: dict[str, Any] | None = None,
            principal: str = "alice") -> str:
    with pytest.raises(ConfirmationError) as info:
        tokens.redeem(token, tool, ARGS if args is None else args, principal)
    return info.value.reason


def _decode(token: str) -> bytes:
    body = token[len(TOKEN_PREFIX):]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def _encode(raw: bytes) -> str:
    return TOKEN_PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# -- the happy path ----------------------------------------------------------------------------


def test_issue_then_redeem_returns_the_stored_plan(tokens: ConfirmationTokens, clock: FakeClock) -> None:
    plan = make_plan()
    token, expires_at = tokens.issue(TOOL, ARGS, "alice", plan)
    assert token.startswith(TOKEN_PREFIX)
    assert expires_at.timestamp() == pytest.approx(clock.now + 120)
    assert expires_at.tzinfo is not None
    assert expires_at.utcoffset() is not None
    stored = tokens.redeem(token, TOOL, {**ARGS, "confirmation_token": token}, "alice")
    assert stored.plan == plan
    assert stored.plan.steps[0].params == {"zone": "example.ch", "record_id": 42}
    assert stored.tool == TOOL
    assert stored.principal == "alice"
    assert stored.arguments == ARGS


def test_stored_steps_are_a_copy_not_the_callers_object(tokens: ConfirmationTokens) -> None:
    plan = make_plan()
    token, _ = tokens.issue(TOOL, ARGS, "alice", plan)
    plan.steps[0].params["record_id"] = 999
    assert tokens.redeem(token, TOOL, ARGS, "alice").plan.steps[0].params["record_id"] == 42


def test_binding_ignores_key_order_and_number_spelling(tokens: ConfirmationTokens) -> None:
    token, _ = tokens.issue(TOOL, {"zone": "example.ch", "record_id": 42.0}, "alice", make_plan())
    tokens.redeem(token, TOOL, {"record_id": 42, "zone": "example.ch"}, "alice")


def test_confirmation_token_argument_is_not_bound() -> None:
    assert arguments_digest({**ARGS, "confirmation_token": "imc_x"}) == arguments_digest(ARGS)


# -- refusals ----------------------------------------------------------------------------------


def test_expired_token(tokens: ConfirmationTokens, clock: FakeClock) -> None:
    token, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    clock.advance(120)
    assert refused(tokens, token) == "expired"


def test_token_valid_until_just_before_expiry(tokens: ConfirmationTokens, clock: FakeClock) -> None:
    token, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    clock.advance(119.9)
    tokens.redeem(token, TOOL, ARGS, "alice")


def test_reused_token(tokens: ConfirmationTokens) -> None:
    token, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    tokens.redeem(token, TOOL, ARGS, "alice")
    assert refused(tokens, token) == "already_used"


def test_foreign_principal_does_not_burn_the_owners_token(tokens: ConfirmationTokens) -> None:
    token, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    assert refused(tokens, token, principal="mallory") == "foreign_principal"
    tokens.redeem(token, TOOL, ARGS, "alice")


def _refusal(tokens: ConfirmationTokens, token: str, tool: str = TOOL, args: dict[str, Any] | None = None,
             principal: str = "alice") -> ConfirmationError:
    with pytest.raises(ConfirmationError) as info:
        tokens.redeem(token, tool, ARGS if args is None else args, principal)
    return info.value


def test_a_refusal_names_the_pending_plan_it_tried(tokens: ConfirmationTokens, clock: FakeClock) -> None:
    """A token naming a plan this process holds carries that plan (for the audit); nothing else does."""
    plan = make_plan()
    token, _ = tokens.issue(TOOL, ARGS, "alice", plan)
    for error in (
        _refusal(tokens, token, principal="mallory"),
        _refusal(tokens, token, tool="dns_update_record"),
        _refusal(tokens, token, args={"zone": "example.ch"}),
    ):
        assert error.plan is not None
        assert error.plan.fingerprint == plan.fingerprint
        assert error.plan.summary == plan.summary
    raw = bytearray(_decode(token))
    raw[-1] ^= 0x01
    assert _refusal(tokens, _encode(bytes(raw))).plan is None  # forged: nothing is looked up
    assert _refusal(tokens, "imc_nope").plan is None
    clock.advance(120)
    expired = _refusal(tokens, token)
    assert expired.reason == "expired"
    assert expired.plan is not None
    assert _refusal(tokens, token).plan is None  # forgotten once expired
    unknown, _ = ConfirmationTokens(SECRET, 120, clock).issue(TOOL, ARGS, "alice", plan)
    assert _refusal(tokens, unknown).reason == "unknown"
    assert _refusal(tokens, unknown).plan is None


def test_token_of_another_tool(tokens: ConfirmationTokens) -> None:
    token, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    assert refused(tokens, token, tool="dns_update_record") == "tool_mismatch"


@pytest.mark.parametrize(
    "args",
    [
        {"zone": "example.ch", "record_id": 43},
        {"zone": "example.ch"},
        {"zone": "example.ch", "record_id": 42, "extra": True},
        {"zone": "example.ch", "record_id": "42"},
    ],
)
def test_changed_arguments(tokens: ConfirmationTokens, args: dict[str, Any]) -> None:
    token, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    assert refused(tokens, token, args=args) == "arguments_mismatch"
    tokens.redeem(token, TOOL, ARGS, "alice")


def test_flipped_signature_byte(tokens: ConfirmationTokens) -> None:
    token, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    raw = bytearray(_decode(token))
    raw[-1] ^= 0x01
    assert refused(tokens, _encode(bytes(raw))) == "bad_signature"


def test_altered_payload_breaks_the_signature(tokens: ConfirmationTokens) -> None:
    token, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    raw = bytearray(_decode(token))
    raw[20] ^= 0xFF  # inside the expiry field: try to extend the token's life
    assert refused(tokens, _encode(bytes(raw))) == "bad_signature"


def test_token_signed_with_another_secret(clock: FakeClock) -> None:
    other = ConfirmationTokens(b"\x01" * 32, 120, clock)
    token, _ = other.issue(TOOL, ARGS, "alice", make_plan())
    assert refused(ConfirmationTokens(SECRET, 120, clock), token) == "bad_signature"


def test_forged_token_with_a_guessed_key(tokens: ConfirmationTokens, clock: FakeClock) -> None:
    payload = struct.pack(">B16sQ16s", 1, b"\x00" * 16, int((clock.now + 60) * 1000), b"\x00" * 16)
    tag = hmac.new(b"guess", payload, hashlib.sha256).digest()
    assert refused(tokens, _encode(payload + tag)) == "bad_signature"


@pytest.mark.parametrize(
    "token",
    ["", "imc_", "nope", "IMC_AAAA", "imc_!!!!", "imc_" + "A" * 10, "imc_" + "A" * 200, "imc_AAAA=AAA"],
)
def test_malformed_tokens(tokens: ConfirmationTokens, token: str) -> None:
    assert refused(tokens, token) == "malformed"


def test_truncated_token(tokens: ConfirmationTokens) -> None:
    token, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    assert refused(tokens, token[:-4]) == "malformed"


def test_non_string_token(tokens: ConfirmationTokens) -> None:
    assert refused(tokens, 12345) == "malformed"  # type: ignore[arg-type]


def test_unknown_version_is_malformed(tokens: ConfirmationTokens, clock: FakeClock) -> None:
    payload = struct.pack(">B16sQ16s", 2, b"\x00" * 16, int((clock.now + 60) * 1000), b"\x00" * 16)
    tag = hmac.new(SECRET, payload, hashlib.sha256).digest()
    assert refused(tokens, _encode(payload + tag)) == "malformed"


def test_valid_token_from_a_previous_process_is_unknown(clock: FakeClock) -> None:
    token, _ = ConfirmationTokens(SECRET, 120, clock).issue(TOOL, ARGS, "alice", make_plan())
    assert refused(ConfirmationTokens(SECRET, 120, clock), token) == "unknown"


def test_restart_does_not_allow_replay(clock: FakeClock, state: Path) -> None:
    used = state / USED_FILE_NAME
    first = ConfirmationTokens(SECRET, 120, clock, used_path=used)
    token, _ = first.issue(TOOL, ARGS, "alice", make_plan())
    first.redeem(token, TOOL, ARGS, "alice")
    restarted = ConfirmationTokens(SECRET, 120, clock, used_path=used)
    assert refused(restarted, token) == "already_used"
    assert stat.S_IMODE(used.stat().st_mode) == 0o600


def test_used_ids_are_pruned_after_expiry(clock: FakeClock, state: Path) -> None:
    used = state / USED_FILE_NAME
    first = ConfirmationTokens(SECRET, 120, clock, used_path=used)
    old, _ = first.issue(TOOL, ARGS, "alice", make_plan())
    first.redeem(old, TOOL, ARGS, "alice")
    clock.advance(100)
    recent, _ = first.issue(TOOL, ARGS, "alice", make_plan())
    first.redeem(recent, TOOL, ARGS, "alice")
    assert len(used.read_text().splitlines()) == 2
    clock.advance(30)  # the first token is now expired, the second is not
    restarted = ConfirmationTokens(SECRET, 120, clock, used_path=used)
    assert len(used.read_text().splitlines()) == 1
    assert refused(restarted, recent) == "already_used"
    assert refused(restarted, old) == "expired"


def test_concurrent_redeems_exactly_one_wins(tokens: ConfirmationTokens) -> None:
    token, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    barrier = threading.Barrier(8)
    wins: list[str] = []
    losses: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            tokens.redeem(token, TOOL, ARGS, "alice")
            wins.append("ok")
        except ConfirmationError as exc:
            losses.append(exc.reason)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wins == ["ok"]
    assert losses == ["already_used"] * 7


def test_pending_plans_are_bounded(clock: FakeClock) -> None:
    tokens = ConfirmationTokens(SECRET, 120, clock, max_pending=2)
    first, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    tokens.issue(TOOL, ARGS, "alice", make_plan())
    last, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    assert refused(tokens, first) == "unknown"
    tokens.redeem(last, TOOL, ARGS, "alice")


def test_one_principal_cannot_push_out_another_principals_pending_plans(clock: FakeClock) -> None:
    """The cap is per principal: bob flooding the server evicts only bob's own oldest plans."""
    tokens = ConfirmationTokens(SECRET, 120, clock, max_pending=50, max_pending_per_principal=3)
    alice, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    bobs = [tokens.issue(TOOL, ARGS, "bob", make_plan())[0] for _ in range(10)]
    assert tokens.pending_count("alice") == 1
    assert tokens.pending_count("bob") == 3
    assert tokens.pending_count() == 4
    assert refused(tokens, bobs[0], principal="bob") == "unknown"  # bob's oldest went
    tokens.redeem(bobs[-1], TOOL, ARGS, "bob")
    assert tokens.redeem(alice, TOOL, ARGS, "alice").principal == "alice"
    assert tokens.pending_count() == 2


def test_the_global_bound_evicts_from_the_largest_holder(clock: FakeClock) -> None:
    tokens = ConfirmationTokens(SECRET, 120, clock, max_pending=4, max_pending_per_principal=4)
    alice, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    carol, _ = tokens.issue(TOOL, ARGS, "carol", make_plan())
    bobs = [tokens.issue(TOOL, ARGS, "bob", make_plan())[0] for _ in range(4)]
    assert tokens.pending_count() == 4
    assert (tokens.pending_count("alice"), tokens.pending_count("carol"), tokens.pending_count("bob")) == (1, 1, 2)
    assert refused(tokens, bobs[0], principal="bob") == "unknown"
    tokens.redeem(alice, TOOL, ARGS, "alice")
    tokens.redeem(carol, TOOL, ARGS, "carol")
    tokens.redeem(bobs[-1], TOOL, ARGS, "bob")


def test_expired_and_redeemed_plans_leave_the_per_principal_count(clock: FakeClock) -> None:
    tokens = ConfirmationTokens(SECRET, 120, clock, max_pending_per_principal=2)
    first, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    tokens.redeem(first, TOOL, ARGS, "alice")
    tokens.issue(TOOL, ARGS, "alice", make_plan())
    clock.advance(121)
    assert tokens.pending_count("alice") == 1
    kept, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())  # prunes the expired one
    assert tokens.pending_count("alice") == 1
    other, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    tokens.redeem(kept, TOOL, ARGS, "alice")
    tokens.redeem(other, TOOL, ARGS, "alice")
    assert tokens.pending_count() == 0


def test_error_carries_reason_and_message() -> None:
    for reason in REASONS:
        error = ConfirmationError(reason)
        assert error.reason == reason
        assert error.to_dict() == {
            "error": "confirmation_refused", "reason": reason, "description": REASON_MESSAGES[reason]
        }
        assert reason in str(error)


# -- secrecy -----------------------------------------------------------------------------------


def test_tokens_are_redacted_from_text_and_arguments(tokens: ConfirmationTokens) -> None:
    token, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    line = f"calling {TOOL} with {token} now"
    assert token not in redact_text(line)
    assert "calling" in redact_text(line)
    assert redact({"confirmation_token": token})["confirmation_token"] == "[redacted]"
    assert token not in str(redact({"notes": [f"x={token}"]}))


def test_reprs_show_no_secret(tokens: ConfirmationTokens) -> None:
    token, _ = tokens.issue(TOOL, {"password": "hunter22"}, "alice", make_plan())
    stored = tokens.redeem(token, TOOL, {"password": "hunter22"}, "alice")
    assert "hunter22" not in repr(stored)
    assert repr(SECRET) not in repr(tokens)


# -- configuration -----------------------------------------------------------------------------


def test_ttl_from_environment() -> None:
    assert confirm_ttl({}) == 120
    assert confirm_ttl({"INFOMANIAK_MCP_CONFIRM_TTL": "300"}) == 300
    assert confirm_ttl({"INFOMANIAK_MCP_CONFIRM_TTL": " 10 "}) == 10
    assert confirm_ttl({"INFOMANIAK_MCP_CONFIRM_TTL": "900"}) == 900


@pytest.mark.parametrize("raw", ["5", "9.9", "901", "-1", "abc", "nan"])
def test_ttl_out_of_range_names_the_variable(raw: str) -> None:
    with pytest.raises(ConfigError) as info:
        confirm_ttl({"INFOMANIAK_MCP_CONFIRM_TTL": raw})
    assert info.value.variable == "INFOMANIAK_MCP_CONFIRM_TTL"
    assert "10–900" in str(info.value)


def test_constructor_checks_ttl_and_secret(clock: FakeClock) -> None:
    with pytest.raises(ConfigError):
        ConfirmationTokens(SECRET, 5, clock)
    with pytest.raises(ValueError, match="at least 16 bytes"):
        ConfirmationTokens(b"short", 120, clock)


def test_custom_ttl_is_used(clock: FakeClock) -> None:
    tokens = ConfirmationTokens(SECRET, 10, clock)
    token, expires_at = tokens.issue(TOOL, ARGS, "alice", make_plan())
    assert expires_at.timestamp() == pytest.approx(clock.now + 10)
    clock.advance(10)
    assert refused(tokens, token) == "expired"


def test_secret_is_created_once_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "new-state" / SECRET_FILE_NAME
    first = load_or_create_secret(path)
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_or_create_secret(path) == first
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_two_installations_get_different_secrets(tmp_path: Path) -> None:
    assert load_or_create_secret(tmp_path / "a" / "k") != load_or_create_secret(tmp_path / "b" / "k")


def test_loose_secret_permissions_are_tightened(tmp_path: Path) -> None:
    path = tmp_path / SECRET_FILE_NAME
    path.write_bytes(b"\x07" * 32)
    path.chmod(0o644)
    assert load_or_create_secret(path) == b"\x07" * 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_corrupt_secret_is_refused(tmp_path: Path) -> None:
    path = tmp_path / SECRET_FILE_NAME
    path.write_bytes(b"short")
    path.chmod(0o600)
    with pytest.raises(ValueError, match="corrupt"):
        load_or_create_secret(path)


def test_state_dir_resolution(tmp_path: Path) -> None:
    assert state_dir({"INFOMANIAK_MCP_STATE_DIR": str(tmp_path / "x")}) == tmp_path / "x"
    assert state_dir({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "infomaniak-mcp"
    assert state_dir({"XDG_STATE_HOME": "relative", "HOME": str(tmp_path)}) == (
        tmp_path / ".local" / "state" / "infomaniak-mcp"
    )
    assert state_dir({"HOME": str(tmp_path)}) == tmp_path / ".local" / "state" / "infomaniak-mcp"


def test_from_env_uses_the_state_dir(state: Path, clock: FakeClock) -> None:
    env = {"INFOMANIAK_MCP_STATE_DIR": str(state), "INFOMANIAK_MCP_CONFIRM_TTL": "60"}
    tokens = ConfirmationTokens.from_env(env, clock=clock)
    assert tokens.ttl == 60
    token, _ = tokens.issue(TOOL, ARGS, "alice", make_plan())
    tokens.redeem(token, TOOL, ARGS, "alice")
    assert (state / SECRET_FILE_NAME).exists()
    assert (state / USED_FILE_NAME).exists()
    restarted = ConfirmationTokens.from_env(env, clock=clock)
    assert refused(restarted, token) == "already_used"
