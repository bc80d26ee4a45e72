"""Cold start to the first `tools/list` answer over stdio, and peak RSS — ours vs a bare SDK server.

Each run spawns a fresh interpreter, sends `initialize`, `notifications/initialized` and
`tools/list` on stdin, and stops the clock when the `tools/list` answer arrives on stdout. Peak
RSS comes from `wait4()` on the child. Runs alternate between the servers so machine noise hits
both alike; the median is reported. Prints figures, asserts nothing.

    uv run python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROTOCOL = "2025-11-25"

SERVERS: dict[str, list[str]] = {
    "bare SDK (1 tool)": [sys.executable, str(HERE / "bare_server.py")],
    "infomaniak-mcp (default toolsets)": [sys.executable, "-m", "infomaniak_mcp"],
    "infomaniak-mcp --sandbox": [sys.executable, "-m", "infomaniak_mcp", "--sandbox"],
}


def _messages() -> bytes:
    msgs = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": PROTOCOL, "capabilities": {},
            "clientInfo": {"name": "bench", "version": "0"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
    ]
    return b"".join(json.dumps(m).encode() + b"\n" for m in msgs)


def run_once(cmd: list[str]) -> tuple[float, int, int]:
    """Return (seconds to tools/list answer, peak RSS in KiB, tools/list bytes)."""
    env = {**os.environ, "INFOMANIAK_API_TOKEN": "bench-token-not-used", "INFOMANIAK_API_URL": "http://127.0.0.1:9"}
    start = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603  # our own interpreter and scripts
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(_messages())
    proc.stdin.flush()
    elapsed, size = float("nan"), 0
    for line in proc.stdout:
        msg = json.loads(line)
        if msg.get("id") == 2:
            elapsed = time.perf_counter() - start
            size = len(line)
            break
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss, size


def ensure_bytecode() -> None:
    """Compile our package like `.ci/run` does (only what is missing or stale): uv compiles
    site-packages only, and this environment sets PYTHONDONTWRITEBYTECODE, so an editable install
    would otherwise recompile `src/` at every start and the figure would measure that."""
    import compileall

    import infomaniak_mcp

    compileall.compile_dir(Path(infomaniak_mcp.__file__).resolve().parent, quiet=1)


def main() -> None:
    ensure_bytecode()
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, int, int]]] = {name: [] for name in SERVERS}
    for cmd in SERVERS.values():  # warm the page cache once
        run_once(cmd)
    for _ in range(args.runs):
        for name, cmd in SERVERS.items():
            results[name].append(run_once(cmd))
    bare_t = statistics.median(r[0] for r in results["bare SDK (1 tool)"])
    bare_m = statistics.median(r[1] for r in results["bare SDK (1 tool)"])
    print(f"cold start to first tools/list over stdio, median of {args.runs} (python {sys.version.split()[0]})")
    print(f"{'server':38} {'start s':>8} {'×bare':>6} {'RSS MiB':>8} {'×bare':>6} {'list B':>7}")
    for name, rows in results.items():
        t = statistics.median(r[0] for r in rows)
        m = statistics.median(r[1] for r in rows)
        size = rows[-1][2]
        print(f"{name:38} {t:8.3f} {t / bare_t:6.2f} {m / 1024:8.1f} {m / bare_m:6.2f} {size:7d}")
    print("targets: start ≤ 1.15× bare, RSS ≤ 1.2× bare (default toolsets row)")


if __name__ == "__main__":
    main()
