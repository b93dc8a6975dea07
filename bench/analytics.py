"""What recording analytics costs a search, and how many events a worker takes, in one run.

    .venv/bin/python -m bench.analytics [--per-lang 250] [--seconds 8] [--rounds 2]

Ingests the bench corpus (bench/corpus.py) once, then starts `csguide serve` (one worker,
response cache off) with analytics off and on in turn (off, on, off, on …, so that the
machine's drift falls on both alike) and drives each with wrk: searches over the bench's
distinct queries, and /healthz. Printed: search req/s, healthz req/s and their ratio with
analytics off and on, best of the rounds, and on ÷ off (target: within 10 %). Then, with
analytics on, POST /v1/events sustained by wrk (8 connections), the events the store holds
afterwards and the records dropped (csguide_analytics_dropped_total).
"""

import argparse
import json
import os
import sqlite3
import tempfile
import time
from pathlib import Path

import httpx2

from bench.corpus import generate
from bench.run import WRK_SCRIPT, vocabulary, write_queries, wrk
from pipeline.analytics.store import FILE_NAME
from pipeline.ingest import run_ingest
from pipeline.settings import Settings
from tests.helpers import server_process

EVENTS_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("CSGUIDE_EVENT")
"""


def _dropped(base: str) -> float:
    for line in httpx2.get(f"{base}/metrics").text.splitlines():
        if line.startswith("csguide_analytics_dropped_total "):
            return float(line.split()[1])
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-lang", type=int, default=250)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root / "content", args.per_lang)
        settings = Settings(content_dir=root / "content", data_dir=root / "var")
        assert run_ingest(settings).exit_code == 0
        queries = vocabulary(settings.data_dir)
        query_file = write_queries(root / "queries.txt", queries)
        script = root / "search.lua"
        script.write_text(WRK_SCRIPT)
        best: dict[str, dict[str, float]] = {}
        for _ in range(args.rounds):
            for label, flag in (("off", "0"), ("on", "1")):
                env = {
                    "CSGUIDE_DATA_DIR": str(settings.data_dir),
                    "CSGUIDE_SEARCH_CACHE": "0",
                    "CSGUIDE_ANALYTICS": flag,
                }
                with server_process(env, 1, "/readyz") as (base, _):
                    wrk(f"{base}/", 2, script, query_file)  # warm-up
                    search = wrk(f"{base}/", args.seconds, script, query_file)
                    health = wrk(f"{base}/healthz", args.seconds)
                kept = best.setdefault(label, {"search": 0.0, "healthz": 0.0, "p99": float("inf")})
                kept["search"] = max(kept["search"], search["rps"])
                kept["healthz"] = max(kept["healthz"], health["rps"])
                kept["p99"] = min(kept["p99"], search["p99_ms"])
        print(f"analytics, {len(queries)} distinct queries, one worker, wrk -c8, cache off")
        for label in ("off", "on"):
            figures = best[label]
            print(
                f"  analytics {label:<3}  search {figures['search']:7.0f} req/s   healthz "
                f"{figures['healthz']:7.0f} req/s   search/healthz "
                f"{figures['search'] / figures['healthz']:.3f}   search p99 "
                f"{figures['p99']:.1f} ms"
            )
        print(f"  on ÷ off, search req/s: {best['on']['search'] / best['off']['search']:.3f}")

        env = {"CSGUIDE_DATA_DIR": str(settings.data_dir), "CSGUIDE_ANALYTICS": "1"}
        with server_process(env, 1, "/readyz") as (base, _):
            answer = httpx2.get(f"{base}/v1/search", params={"q": queries[0][1]}).json()
            tip = answer["results"][0]["id"] if answer["results"] else None
            assert tip, "the first bench query found nothing"
            event = {"search_id": answer["search_id"], "type": "open", "tip_id": tip, "position": 1}
            events_script = root / "events.lua"
            events_script.write_text(EVENTS_SCRIPT)
            os.environ["CSGUIDE_EVENT"] = json.dumps(event)
            before = (
                sqlite3.connect(settings.data_dir / FILE_NAME)
                .execute("SELECT COUNT(*) FROM events")
                .fetchone()[0]
            )
            posted = wrk(f"{base}/v1/events", args.seconds, events_script)
            time.sleep(2)  # the recorder writes about once a second
            dropped = _dropped(base)
        stored = (
            sqlite3.connect(settings.data_dir / FILE_NAME)
            .execute("SELECT COUNT(*) FROM events")
            .fetchone()[0]
        )
        print(
            f"  events: {posted['rps']:.0f} req/s sustained (p99 {posted['p99_ms']:.1f} ms, "
            f"{posted['errors']:.0f} non-2xx); {stored - before} stored, {dropped:.0f} dropped"
        )


if __name__ == "__main__":
    main()
