"""What recording analytics costs a search, and how many events a worker takes, in one run.

    .venv/bin/python -m bench.analytics [--per-lang 250] [--slices 20]

Ingests the bench corpus (bench/corpus.py) once, then starts four `csguide serve` (one
worker each, response cache off) side by side: analytics off, on, on, off. wrk drives
them in turn, one second each, round after round (the order reversed every other round), with
searches over the bench's distinct queries, then /healthz. This machine is shared: the rate
of one server moves by ±15 % from one minute to the next, so servers measured one after
another cannot show a 10 % difference, while seconds interleaved in one run share the drift.
The two servers of a kind are the controls: how far identical servers differ in this run.

Printed per server: search req/s, healthz req/s, their ratio, the median of the slices' p99
and the server's CPU time per search. Then on ÷ off of search/healthz, each round's two
slices as a pair, the median over the rounds (target: ≥ 0.9), beside the controls;
and, in this process, what recording a search costs beside the search. Then, with analytics
on, POST /v1/events sustained by wrk (8 connections), the events the store holds afterwards
and the records dropped (csguide_analytics_dropped_total).
"""

import argparse
import contextlib
import json
import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean, median

import httpx2

from api.analytics import SearchIds
from bench.corpus import ingested
from bench.run import WRK_SCRIPT, cpu_seconds, spread, vocabulary, write_queries, wrk
from pipeline.analytics.store import FILE_NAME, SearchRecord, open_store
from pipeline.query import answer_search
from pipeline.search import PublishedIndex
from pipeline.settings import Settings
from tests.helpers import server_process

#: Server → CSGUIDE_ANALYTICS, started in this order (off, on, on, off: a server's place in the
#: start order moves its rate by several per cent, and this order cancels that out). The
#: servers of a kind are each other's control.
SERVERS = {"off": "0", "on": "1", "on again": "1", "off again": "0"}

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


@dataclass
class Tally:
    """What one server did over its slices."""

    searches: float = 0.0
    search_seconds: float = 0.0
    checks: float = 0.0
    check_seconds: float = 0.0
    cpu: float = 0.0
    p99s: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)  # search req/s ÷ healthz req/s, per slice

    def add(self, search: dict[str, float], health: dict[str, float], cpu: float) -> None:
        self.searches += search["requests"]
        self.search_seconds += search["requests"] / search["rps"]
        self.checks += health["requests"]
        self.check_seconds += health["requests"] / health["rps"]
        self.cpu += cpu
        self.p99s.append(search["p99_ms"])
        self.rates.append(search["rps"] / health["rps"])

    @property
    def search_rps(self) -> float:
        return self.searches / self.search_seconds

    @property
    def healthz_rps(self) -> float:
        return self.checks / self.check_seconds


def side_by_side(data: Path, script: Path, queries: Path, slices: int) -> dict[str, Tally]:
    """Each server of SERVERS measured in one-second slices, interleaved."""
    tallies = {name: Tally() for name in SERVERS}
    with contextlib.ExitStack() as stack:
        servers = {}
        for name, flag in SERVERS.items():
            env = {
                "CSGUIDE_DATA_DIR": str(data),
                "CSGUIDE_SEARCH_CACHE": "0",
                "CSGUIDE_ANALYTICS": flag,
            }
            servers[name] = stack.enter_context(server_process(env, 1, "/readyz"))
            wrk(f"{servers[name][0]}/", 2, script, queries)  # warm-up
        for turn in range(slices):
            order = list(servers) if turn % 2 == 0 else list(servers)[::-1]
            for name in order:
                base, process = servers[name]
                before = cpu_seconds(process.pid)
                search = wrk(f"{base}/", 1, script, queries)
                cpu = cpu_seconds(process.pid) - before  # with the writer's flush, once a second
                health = wrk(f"{base}/healthz", 1)
                tallies[name].add(search, health, cpu)
    return tallies


def paired(a: list[Tally], b: list[Tally]) -> str:
    """a ÷ b over slices of the same round (seconds apart, so sharing the machine's drift),
    each side the mean of its servers: the median, and the middle half of the rounds."""
    a_rounds = zip(*(t.rates for t in a), strict=True)
    b_rounds = zip(*(t.rates for t in b), strict=True)
    return spread([mean(x) / mean(y) for x, y in zip(a_rounds, b_rounds, strict=True)])


def recording_in_process(settings: Settings, queries: list[tuple[str, str]]) -> tuple[float, float]:
    """Mean µs of a search in this process, and of recording it (what the route and the
    writer thread add), measured in turn over the bench queries."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp), None)
        ids = SearchIds(store.secret())
        searching = recording = 0.0
        records: list[SearchRecord] = []
        with PublishedIndex.open_current(settings.data_dir) as index:
            for lang, query in queries * 2:
                start = time.perf_counter()
                answer = answer_search(index, settings, query, lang=lang, limit=10)
                middle = time.perf_counter()
                record = SearchRecord(
                    search_id=ids.new(),
                    at=time.time(),
                    answer_lang=answer.answer_lang,
                    query_lang=answer.query_lang,
                    query=query,  # masked as the store writes it
                    total=answer.total,
                    latency_ms=round((middle - start) * 1000, 3),
                    key_name=None,
                    shown=tuple(found.tip.id for found in answer.found),  # as the route
                )
                records.append(record)
                end = time.perf_counter()
                searching += middle - start
                recording += end - middle
        start = time.perf_counter()
        for first in range(0, len(records), 500):  # the writer's batches
            store.write(records[first : first + 500], [])
        recording += time.perf_counter() - start
        store.close()
    count = len(queries) * 2
    return searching / count * 1e6, recording / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-lang", type=int, default=250)
    parser.add_argument("--slices", type=int, default=20, help="Seconds of search per server.")
    parser.add_argument("--seconds", type=int, default=8, help="Seconds of events.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = ingested(root, args.per_lang)
        queries = vocabulary(settings.data_dir)
        query_file = write_queries(root / "queries.txt", queries)
        script = root / "search.lua"
        script.write_text(WRK_SCRIPT)
        tallies = side_by_side(settings.data_dir, script, query_file, args.slices)
        print(
            f"analytics, {len(queries)} distinct queries, four servers of one worker side by "
            f"side, wrk -c8, cache off, {args.slices} interleaved one-second slices each"
        )
        for name, tally in tallies.items():
            print(
                f"  analytics {name:<9}  search {tally.search_rps:6.0f} req/s   healthz "
                f"{tally.healthz_rps:6.0f} req/s   search/healthz "
                f"{tally.search_rps / tally.healthz_rps:.3f}   search p99 "
                f"{median(tally.p99s):5.1f} ms   CPU {tally.cpu / tally.searches * 1e6:5.0f} "
                "µs/search"
            )
        off = [tallies["off"], tallies["off again"]]
        on = [tallies["on"], tallies["on again"]]
        print(f"  on ÷ off, search/healthz:      {paired(on, off)}   (target ≥ 0.9)")
        print("  controls, the run's own noise:")
        for again, first in (("off again", "off"), ("on again", "on")):
            ratio = paired([tallies[again]], [tallies[first]])
            print(f"    {again} ÷ {first}:{' ' * (13 - len(again + first))}{ratio}")
        search_us, recording_us = recording_in_process(settings, queries)
        print(
            f"  in process: a search {search_us:.0f} µs, recording it {recording_us:.1f} µs "
            f"(the id and record on the request, masking and the batched write after): "
            f"{recording_us / search_us:.1%}"
        )

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
