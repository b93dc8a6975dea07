"""What one limit per key across workers costs: the shared SQLite limiter beside the
in-process one, per request, measured side by side in one run.

    .venv/bin/python -m bench.rate_limit [--takes 20000] [--rounds 5]

Printed: the median µs per take() of each limiter in one process (the rounds alternate, so
the machine's drift falls on both alike) and their ratio; then the shared limiter with two
processes taking from the same buckets at once (as two workers do), per take and in all.
"""

import argparse
import statistics
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

from api.rate_limit import FILE_NAME, LocalRateLimiter, RateLimiter, SharedRateLimiter

_KEYS = [f"key-{n}" for n in range(20)]


def _per_take_us(limiter: RateLimiter, takes: int) -> float:
    start = time.perf_counter()
    for n in range(takes):
        limiter.take(_KEYS[n % len(_KEYS)], 1_000_000)
    return (time.perf_counter() - start) / takes * 1e6


def _worker(path: str, takes: int) -> float:
    return _per_take_us(SharedRateLimiter(Path(path)), takes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--takes", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / FILE_NAME
        local, shared = LocalRateLimiter(), SharedRateLimiter(path)
        times: dict[str, list[float]] = {"in process": [], "shared (SQLite)": []}
        for _ in range(args.rounds):
            times["in process"].append(_per_take_us(local, args.takes))
            times["shared (SQLite)"].append(_per_take_us(shared, args.takes))
        medians = {name: statistics.median(values) for name, values in times.items()}
        print(f"rate limit, {args.takes} takes × {args.rounds} rounds, one process")
        for name, value in medians.items():
            print(f"  {name:<16} {value:7.1f} µs per take")
        ratio = medians["shared (SQLite)"] / medians["in process"]
        print(f"  shared ÷ in process: {ratio:.1f}×")

        with get_context("spawn").Pool(2) as pool:
            start = time.perf_counter()
            both = pool.starmap(_worker, [(str(path), args.takes)] * 2)
            wall = time.perf_counter() - start
        print("two processes taking at once (as two workers):")
        print(f"  {statistics.mean(both):7.1f} µs per take in each process")
        print(f"  {2 * args.takes / wall:,.0f} takes/s in all (process start included)")


if __name__ == "__main__":
    main()
