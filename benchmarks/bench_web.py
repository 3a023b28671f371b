"""Explorer load: 32 concurrent clients on the plan and cost endpoints, the same while a bootstrap runs, and
the same while 300 progress-stream attempts are open on that running job (all refused past the caps but
the first few, and the connections kept open).

The server is ``scalinglab serve`` in its own process on 127.0.0.1; the clients are one asyncio process
holding 32 keep-alive connections (a minimal HTTP/1.1 client, as ``wrk`` is; the same load from httpx is
reported beside it). Each measurement is bounded in count and time. Run alone with ``python benchmarks/bench_web.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

try:
    from run import Benchmark
except ImportError:  # run as a script from elsewhere
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import Benchmark

CLIENTS = 32
REQUESTS = 3_000        #: per measurement, at most
SECONDS = 15.0          #: per measurement, at most
PLAN = ("/api/v1/plan", {"compute": ["5.76e23"], "law": "besiroglu2024"})
COST = ("/api/v1/cost", {"flops": "3.8e25", "gpu": "h100", "gpus": 16384, "mfu": 0.4})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``scalinglab serve`` in a child process, stopped on exit."""

    def __enter__(self):
        import httpx

        self.port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
        self.process = subprocess.Popen([sys.executable, "-m", "scalinglab", "serve", "--port", str(self.port)],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.base + "/api/v1/meta", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the explorer did not start")
            time.sleep(0.1)
        for path, body in (PLAN, COST):  # warm imports and caches
            httpx.post(self.base + path, json=body, timeout=30).raise_for_status()
        return self

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)


async def _load(port: int, path: str, body: dict, clients: int = CLIENTS, requests: int = REQUESTS,
                seconds: float = SECONDS) -> dict:
    """``clients`` keep-alive HTTP/1.1 connections, each sending its next request when the last is answered.

    The client writes one prepared request and reads the status line, headers and ``Content-Length`` bytes
    of the answer (as ``wrk`` does), so the two cores go to the server rather than to the load generator."""
    payload = json.dumps(body).encode()
    request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload
    latencies: list[float] = []
    errors = 0
    left = [requests]
    stop = time.perf_counter() + seconds

    async def worker():
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while left[0] > 0 and time.perf_counter() < stop:
                left[0] -= 1
                started = time.perf_counter()
                writer.write(request)
                await writer.drain()
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                length = next(int(line.split(":", 1)[1]) for line in head if line.lower().startswith("content-length:"))
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                errors += head[0].split()[1] != "200"
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - began
    latencies.sort()
    return {"requests": len(latencies), "errors": errors, "per_second": len(latencies) / wall,
            "p50_ms": 1e3 * latencies[len(latencies) // 2], "p99_ms": 1e3 * latencies[int(0.99 * (len(latencies) - 1))]}


async def _load_httpx(base: str, path: str, body: dict, clients: int = CLIENTS, requests: int = 1_000) -> dict:
    """The same load from ``httpx.AsyncClient``: its own CPU per request (about 2 ms) becomes the limit."""
    import httpx

    latencies: list[float] = []
    left = [requests]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        async def worker():
            while left[0] > 0:
                left[0] -= 1
                started = time.perf_counter()
                (await client.post(path, json=body)).raise_for_status()
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - began
    latencies.sort()
    return {"per_second": len(latencies) / wall, "p99_ms": 1e3 * latencies[int(0.99 * (len(latencies) - 1))]}


def _text(name: str, r: dict) -> str:
    return (f"{name}: {r['per_second']:.0f} req/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
            f"server CPU {r['cpu_ms']:.2f} ms/request ({r['requests']} requests, {r['errors']} errors, "
            f"{CLIENTS} clients, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


def load(endpoint) -> str:
    """Requests/s and latency; the server's CPU time per request does not depend on other load."""
    with Server() as server:
        cpu = server.cpu_seconds()
        result = asyncio.run(_load(server.port, *endpoint))
        result["cpu_ms"] = 1e3 * (server.cpu_seconds() - cpu) / max(1, result["requests"])
        heavy = asyncio.run(_load_httpx(server.base, *endpoint))
        return (f"{_text(endpoint[0], result)}; with httpx as the client: {heavy['per_second']:.0f} req/s, "
                f"p99 {heavy['p99_ms']:.1f} ms")


def during_bootstrap() -> str:
    """Plan requests while a 2,000-refit Hoffmann-estimator bootstrap runs in the server."""
    import httpx

    with Server() as server:
        alone = asyncio.run(_load(server.port, *PLAN, requests=3_000, seconds=5))
        job = httpx.post(server.base + "/api/v1/fit/jobs", data={"dataset": "chinchilla-runs", "bootstrap": "2000",
                                                                 "estimator": "hoffmann"}, timeout=30).json()
        time.sleep(1.0)
        busy = asyncio.run(_load(server.port, *PLAN, requests=3_000, seconds=5))
        status = httpx.get(f"{server.base}/api/v1/fit/jobs/{job['id']}", timeout=30).json()
        httpx.delete(f"{server.base}/api/v1/fit/jobs/{job['id']}", timeout=30)
    return (f"plan p99 {alone['p99_ms']:.1f} ms alone, {busy['p99_ms']:.1f} ms while the bootstrap ran "
            f"({busy['per_second']:.0f} req/s; job {status['status']} at {status['done']}/{status['total']})")


async def _open_streams(port: int, path: str, count: int) -> tuple[list, dict]:
    """``count`` connections each asking for ``path`` (an event stream) and kept open; their writers and
    how many got each status."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n".encode()

    async def one():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        status = (await asyncio.wait_for(reader.readline(), 30)).split()[1].decode()
        return writer, status

    opened = await asyncio.gather(*(one() for _ in range(count)))
    statuses: dict[str, int] = {}
    for _, status in opened:
        statuses[status] = statuses.get(status, 0) + 1
    return [writer for writer, _ in opened], statuses


def during_streams(attempts: int = 300) -> str:
    """Plan requests while a bootstrap runs and ``attempts`` progress streams on it are open at once."""
    import httpx

    async def measure(port: int, job_id: str) -> tuple[dict, dict]:
        writers, statuses = await _open_streams(port, f"/api/v1/fit/jobs/{job_id}/events", attempts)
        try:
            return await _load(port, *PLAN, requests=3_000, seconds=10), statuses
        finally:
            for writer in writers:
                writer.close()

    with Server() as server:
        alone = asyncio.run(_load(server.port, *PLAN, requests=3_000, seconds=5))
        job = httpx.post(server.base + "/api/v1/fit/jobs", data={"dataset": "chinchilla-runs", "bootstrap": "2000",
                                                                 "estimator": "hoffmann"}, timeout=30).json()
        time.sleep(1.0)
        busy, statuses = asyncio.run(measure(server.port, job["id"]))
        status = httpx.get(f"{server.base}/api/v1/fit/jobs/{job['id']}", timeout=30).json()
        httpx.delete(f"{server.base}/api/v1/fit/jobs/{job['id']}", timeout=30)
    answered = ", ".join(f"{count} answered {code}" for code, count in sorted(statuses.items()))
    return (f"plan p99 {alone['p99_ms']:.1f} ms alone ({alone['per_second']:.0f} req/s), {busy['p99_ms']:.1f} ms "
            f"with {attempts} stream attempts open on a running bootstrap ({answered}; {busy['per_second']:.0f} "
            f"req/s, p50 {busy['p50_ms']:.1f} ms, {busy['errors']} errors; job {status['status']} at "
            f"{status['done']}/{status['total']})")


BENCHMARKS = [
    Benchmark("web: POST /api/v1/plan, 32 clients", lambda: load(PLAN), repeats=1,
              target=">= 300 req/s, p99 < 100 ms (see note)"),
    Benchmark("web: POST /api/v1/cost, 32 clients", lambda: load(COST), repeats=1,
              target=">= 300 req/s, p99 < 100 ms (see note)"),
    Benchmark("web: plan during a running bootstrap", during_bootstrap, repeats=1, target="p99 stays < 100 ms"),
    Benchmark("web: plan while 300 progress-stream attempts are open", during_streams, repeats=1,
              target="p99 < 100 ms at 32 clients"),
]

if __name__ == "__main__":
    for bench in BENCHMARKS:
        print(f"{bench.name}: {bench.func()}", flush=True)
