"""What a version switch costs the requests of a running server, side by side in one run.

    .venv/bin/python -m bench.switch [--per-lang 250] [--seconds 8] [--every 1.0]

Ingests the bench corpus (bench/corpus.py) once and copies the version, so that the data dir
holds two; starts `csguide serve` (one worker); then one client on a kept-alive connection
sends searches back to back, first for ``--seconds`` with nothing switching, then for as long
while ``CURRENT`` flips between the two versions every ``--every`` seconds (as a publish or a
rollback does). Printed: search latency p50 / p99 / max in each phase and their ratios, and
how many switches the server made. Versions are opened off the event loop (api/published.py);
opened on the request path they held every request of the worker for 70-85 ms.
"""

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx2

from bench.corpus import generate
from pipeline.ingest import run_ingest
from pipeline.publish import CURRENT_FILE, list_versions
from pipeline.settings import Settings
from tests.helpers import server_process

QUERIES = ["klientu apkalpošana", "rimborso", "投诉", "жалоба клиента", "callback time", "cliente"]


def _latencies(base: str, seconds: float) -> list[float]:
    taken: list[float] = []
    deadline = time.monotonic() + seconds
    with httpx2.Client(base_url=base, timeout=30) as http:
        n = 0
        while time.monotonic() < deadline:
            start = time.perf_counter()
            http.get("/v1/search", params={"q": QUERIES[n % len(QUERIES)], "limit": 10})
            taken.append((time.perf_counter() - start) * 1000)
            n += 1
    return taken


def _flip(data_dir: Path, names: list[str], every: float, stop: threading.Event) -> int:
    flips = 0
    while not stop.wait(every):
        target = names[flips % 2]
        temporary = data_dir / f".{CURRENT_FILE}.bench"
        temporary.write_text(target + "\n", encoding="utf-8")
        os.replace(temporary, data_dir / CURRENT_FILE)
        flips += 1
    return flips


def _summary(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return (
        statistics.median(ordered),
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        ordered[-1],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-lang", type=int, default=250)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--every", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root / "content", args.per_lang)
        settings = Settings(content_dir=root / "content", data_dir=root / "var")
        run_ingest(settings)
        (first,) = list_versions(settings.data_dir)
        second_name = first.name.replace("000001-", "000002-")
        shutil.copytree(first.path, first.path.with_name(second_name))
        names = [second_name, first.name]
        env = {
            "CSGUIDE_DATA_DIR": str(settings.data_dir),
            "CSGUIDE_CONTENT_DIR": str(settings.content_dir),
            "CSGUIDE_SEARCH_CACHE": "0",
        }
        with server_process(env) as (base, _):
            _latencies(base, 1.0)  # warm-up
            steady = _latencies(base, args.seconds)
            stop = threading.Event()
            flips: list[int] = []
            flipper = threading.Thread(
                target=lambda: flips.append(_flip(settings.data_dir, names, args.every, stop))
            )
            flipper.start()
            switching = _latencies(base, args.seconds)
            stop.set()
            flipper.join()
        quiet, busy = _summary(steady), _summary(switching)
        print(f"version switch, {args.per_lang} articles a language, one worker, one client")
        print(f"  {'':<22} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'requests':>9}")
        print(
            f"  {'no switch':<22} {quiet[0]:8.2f} {quiet[1]:8.2f} {quiet[2]:8.2f} {len(steady):9}"
        )
        print(
            f"  {f'switch every {args.every:g} s':<22} {busy[0]:8.2f} {busy[1]:8.2f} "
            f"{busy[2]:8.2f} {len(switching):9}"
        )
        print(
            f"  switching ÷ not: p50 {busy[0] / quiet[0]:.2f}×, p99 {busy[1] / quiet[1]:.2f}×, "
            f"max {busy[2] / quiet[2]:.2f}×; {flips[0]} switches"
        )


if __name__ == "__main__":
    main()
