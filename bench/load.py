"""The load generator: threads with keep-alive HTTP/1.1 connections (the standard library's
http.client), so every request can be built in Python (a fresh WeChat signature and nonce,
a token per user) and the runs can be sliced and interleaved A/B.

Three shapes: closed loop (N connections, each sends its next request when the last one
answered: throughput and latency), open loop at a fixed rate (latency from the scheduled
send time, so a slow server cannot slow the load down and hide its queue), and a burst
(N connections opened first, then all requests released at once by a barrier).
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlparse

# (method, path, body or None, headers)
Req = tuple[str, str, bytes | None, dict]
Check = Callable[[int, bytes], bool]


def ok_200(status: int, body: bytes) -> bool:
    return status == 200


def ok_graphql(status: int, body: bytes) -> bool:
    return status == 200 and b'"errors"' not in body


class BenchError(RuntimeError):
    pass


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)  # seconds
    elapsed: float = 0.0
    failures: int = 0
    first_failure: str = ""

    def add(self, other: Sample) -> None:
        self.latencies += other.latencies
        self.elapsed += other.elapsed
        self.failures += other.failures
        self.first_failure = self.first_failure or other.first_failure

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else float("nan")


class Client:
    """One keep-alive connection; reconnects after an error or a `Connection: close`."""

    def __init__(self, base_url: str, timeout: float = 120.0):
        parsed = urlparse(base_url)
        self.host, self.port, self.timeout = parsed.hostname, parsed.port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def connect(self) -> None:
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.conn.connect()

    def send(self, req: Req) -> tuple[int, bytes]:
        method, path, body, headers = req
        for attempt in (1, 2):
            if self.conn is None:
                self.connect()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.will_close:
                    self.close()
                return response.status, data
            except (ConnectionError, http.client.HTTPException):
                # a keep-alive connection the server closed between requests: once more
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _timed(client: Client, req: Req, check: Check, sample: Sample, lock: threading.Lock,
           since: float | None = None) -> None:
    started = time.perf_counter() if since is None else since
    try:
        status, body = client.send(req)
        good = check(status, body)
        detail = f"{req[0]} {req[1][:60]} → {status} {body[:300]!r}"
    except (OSError, http.client.HTTPException) as exc:
        good, detail = False, f"{req[0]} {req[1][:60]} → {exc!r}"
    took = time.perf_counter() - started
    with lock:
        if good:
            sample.latencies.append(took)
        else:
            sample.failures += 1
            sample.first_failure = sample.first_failure or detail


def closed_loop(base_url: str, make: Callable[[int], Req], *, concurrency: int,
                seconds: float, check: Check = ok_200) -> Sample:
    """`concurrency` connections sending back to back for `seconds`."""
    sample, lock = Sample(), threading.Lock()
    counter = iter(range(10**9))
    stop_at = time.perf_counter() + seconds

    def worker():
        client = Client(base_url)
        try:
            while time.perf_counter() < stop_at:
                with lock:
                    n = next(counter)
                _timed(client, make(n), check, sample, lock)
        finally:
            client.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sample.elapsed = time.perf_counter() - started
    return sample


def sequential(base_url: str, reqs: list[Req], *, check: Check = ok_200) -> Sample:
    sample, lock = Sample(), threading.Lock()
    client = Client(base_url)
    started = time.perf_counter()
    try:
        for req in reqs:
            _timed(client, req, check, sample, lock)
    finally:
        client.close()
    sample.elapsed = time.perf_counter() - started
    return sample


def open_loop(base_url: str, make: Callable[[int], Req], *, rate: float, seconds: float,
              check: Check = ok_200, pool: int = 64) -> Sample:
    """One request every 1/rate s whatever the answers; latency counts from the scheduled
    time (a request that waited for a free client thread waited in the queue too)."""
    sample, lock = Sample(), threading.Lock()
    local = threading.local()
    total = max(1, int(rate * seconds))

    def fire(n: int, due: float) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = Client(base_url)
        _timed(client, make(n), check, sample, lock, since=due)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=pool) as executor:
        for n in range(total):
            due = started + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            executor.submit(fire, n, due)
    sample.elapsed = time.perf_counter() - started
    return sample


def burst(base_url: str, reqs: list[Req], *, check: Check = ok_200) -> Sample:
    """All connections open, then every request released at the same moment."""
    sample, lock = Sample(), threading.Lock()
    barrier = threading.Barrier(len(reqs) + 1)

    def worker(req: Req) -> None:
        client = Client(base_url)
        try:
            client.connect()
            barrier.wait()
            _timed(client, req, check, sample, lock)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(req,)) for req in reqs]
    for thread in threads:
        thread.start()
    barrier.wait()
    released = time.perf_counter()
    for thread in threads:
        thread.join()
    sample.elapsed = time.perf_counter() - released
    return sample
