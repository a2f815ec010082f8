"""Start N callables at the same instant on real threads, each with its own DB connection."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import connections


def run_concurrently(fn: Callable[[int], object], n: int, *, timeout: float = 120) -> list:
    """Call fn(i) for i in range(n) on n threads released together by a barrier.

    Returns each call's result, or the exception it raised, in order of i.
    """
    barrier = threading.Barrier(n)

    def worker(i):
        try:
            barrier.wait(timeout=timeout)
            return fn(i)
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(worker, range(n), timeout=timeout))
