"""HTTP load for the benchmarks: ``wrk`` (Debian package, C, light on the CPU it shares with the
server) when installed, else a client of threads in this process, each with its own keep-alive
connection. Both POST the given bodies in turn (distinct credentials: no cache of a verifier may
serve a repeat) for a fixed time with N concurrent connections and report the throughput and the
latency percentiles."""

from __future__ import annotations

import http.client
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Load:
    """What one load run measured."""

    tool: str
    connections: int
    seconds: float
    requests: int
    failures: int  # non-2xx answers and socket errors
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


_WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local bodies = {}
for i = 0, {count} - 1 do
  local f = io.open("{folder}/" .. i .. ".json", "rb")
  bodies[#bodies + 1] = f:read("*a")
  f:close()
end
local turn = math.random(#bodies)
request = function()
  turn = turn % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[turn])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("DIPLOMAT-LOAD %d %d %d %d %d\\n", summary.requests, summary.duration,
    e.status + e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def run(url: str, bodies: Sequence[bytes], connections: int, seconds: float) -> Load:
    """POST ``bodies`` in turn to ``url`` from ``connections`` clients for ``seconds``."""
    if shutil.which("wrk"):
        return _wrk(url, bodies, connections, seconds)
    return _threads(url, bodies, connections, seconds)


def _wrk(url: str, bodies: Sequence[bytes], connections: int, seconds: float) -> Load:
    with tempfile.TemporaryDirectory(prefix="diplomat-bench-wrk-") as temp:
        for number, body in enumerate(bodies):
            (Path(temp) / f"{number}.json").write_bytes(body)
        script = Path(temp) / "post.lua"
        text = _WRK_SCRIPT.replace("{folder}", temp).replace("{count}", str(len(bodies)))
        script.write_text(text, encoding="utf-8")
        done = subprocess.run(
            [
                "wrk",
                f"-t{min(2, connections)}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                str(script),
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    line = next(x for x in done.stdout.splitlines() if x.startswith("DIPLOMAT-LOAD "))
    requests, duration_us, failures, p50_us, p99_us = (int(x) for x in line.split()[1:])
    return Load(
        "wrk",
        connections,
        duration_us / 1e6,
        requests,
        failures,
        p50_us / 1000,
        p99_us / 1000,
    )


def _post(connection: http.client.HTTPConnection, target: str, body: bytes) -> bool:
    """POST one JSON body on a keep-alive connection (reopened after an error or a "Connection:
    close"); whether the answer was 2xx."""
    try:
        connection.request("POST", target, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
        return 200 <= response.status < 300
    except (OSError, http.client.HTTPException):
        connection.close()
        return False


def _threads(url: str, bodies: Sequence[bytes], connections: int, seconds: float) -> Load:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(turn: int) -> None:
        nonlocal failures
        mine: list[float] = []
        bad = 0
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            turn = (turn + 1) % len(bodies)
            body = bodies[turn]
            ok = _post(connection, target, body)
            mine.append((time.perf_counter() - started) * 1000)
            bad += not ok
        connection.close()
        with lock:
            latencies.extend(mine)
            failures += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n * 7,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return Load(
        "python threads",
        connections,
        elapsed,
        len(latencies),
        failures,
        statistics.median(ordered),
        p99,
    )


def send(url: str, bodies: Sequence[bytes], connections: int, total: int) -> int:
    """POST ``total`` requests (``bodies`` in turn) over ``connections`` keep-alive connections,
    untimed; returns how many failed. For bringing servers to a known number of requests."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    failures = 0
    lock = threading.Lock()

    def client(turn: int) -> None:
        nonlocal failures
        bad = 0
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        for n in range(turn, total, connections):
            bad += not _post(connection, target, bodies[n % len(bodies)])
        connection.close()
        with lock:
            failures += bad

    threads = [threading.Thread(target=client, args=(turn,)) for turn in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures
