"""Where a search request's time goes: py-spy samples a loaded server, grouped by stage.

    .venv/bin/python -m bench.profile [--per-lang 250] [--seconds 10] [--rounds 10]

Builds the default synthetic corpus, serves it with one worker and the response cache off,
drives it with wrk over the bench queries, and samples the server with py-spy meanwhile. Then
the same with the cache on and every query already cached, which leaves the cost of the route
itself (parameters, dependencies, response) without detection, ranking or serialisation.
Each line is the share of samples whose stack passes through that stage.

Then what is left, side by side: csguide, the same app with the engine left out (every search
answered with one page found once: bench/floor_app.py) and the stock reference app
(bench/reference_app.py) run at once, wrk visiting each for a second per round. The engine's
share of a search request, and what it would have to cost for the headline target (search ÷
stock healthz ≥ 0.5) with everything around it as it is.
"""

import argparse
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from statistics import median

from bench.corpus import ingested
from bench.floor_app import floor_server
from bench.run import (
    WRK_SCRIPT,
    interleaved,
    reference_server,
    spread,
    vocabulary,
    write_queries,
    wrk,
)
from tests.helpers import server_process

#: The headline target of issue 18: search req/s ÷ the stock app's /healthz req/s.
HEADLINE_TARGET = 0.5

#: Stage → a frame that marks it (py-spy's raw format: "function (path:line)").
STAGES = {
    "FastAPI dependencies and parameters (none on /v1/search's lane)": "solve_dependencies (",
    "the search route (api/routes/search.py)": "handle_search (",
    "sending the response (middlewares, uvicorn's httptools protocol)": "send_and_note (",
    "query language detection": "detect_query_language (",
    "  of which langdetect": "_statistics (",
    "search (pipeline/search.py)": "PublishedIndex.search (",
    "  candidate terms (exact, prefix, typo)": "candidates (",
    "  scoring words (numpy)": "PublishedIndex._score_word (",
    "  glossary concepts": "PublishedIndex._synonym_matches (",
    "  a word's closest kind per tip (numpy)": "_WordMatches.best (",
    "  combining the words (numpy)": "_combine (",
    "  choosing the best (numpy)": "_first (",
    "  highlighting": "highlight (",
    "  tip records (read and validated on a cache miss)": "_read_record (",
    "  suggestions for zero results": "PublishedIndex.suggest (",
    "response JSON (joined from each record's)": "response_json (",
}


class ProfileRefused(Exception):
    pass


def sample(pid: int, seconds: int) -> dict[str, float]:
    """Shares of py-spy samples (of the busy ones) whose stack passes through each stage."""
    with tempfile.NamedTemporaryFile(suffix=".txt") as out:
        spy = subprocess.run(
            [
                Path(sys.executable).with_name("py-spy"),
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(seconds),
                "--rate",
                "200",
                "--format",
                "raw",
                "--output",
                out.name,
            ],
            capture_output=True,
            text=True,
        )
        if spy.returncode:  # e.g. not allowed to trace (ptrace_scope) when not root
            raise ProfileRefused(spy.stderr.strip() or f"py-spy exited with {spy.returncode}")
        stacks = [line.rsplit(" ", 1) for line in Path(out.name).read_text().splitlines()]
    total = sum(int(count) for _, count in stacks) or 1
    return {
        stage: sum(int(count) for stack, count in stacks if marker in stack) / total
        for stage, marker in STAGES.items()
    }


def profile(data: Path, queries: Path, script: Path, seconds: int, cache: bool) -> None:
    env = {"CSGUIDE_DATA_DIR": str(data), "CSGUIDE_SEARCH_CACHE": "100000" if cache else "0"}
    with server_process(env, 1, "/readyz") as (base, process):
        wrk(f"{base}/", seconds if cache else 2, script, queries)  # warm-up (fills the cache)
        load = threading.Thread(target=wrk, args=(f"{base}/", seconds + 2, script, queries))
        load.start()
        try:
            shares = sample(process.pid, seconds)
        finally:
            load.join()
    print(f"\nresponse cache {'on, every query cached' if cache else 'off'}:")
    for stage, share in shares.items():
        if share or not stage.startswith("  "):
            print(f"  {share:6.1%}  {stage}")


def answered(figures: dict[str, float]) -> float:
    """A wrk run's req/s, once every answer was a success (a server failing fast would
    otherwise look fast)."""
    if figures["errors"]:
        raise AssertionError(f"{figures['errors']:.0f} answers were not 2xx")
    return figures["rps"]


def what_is_left(data: Path, queries: Path, script: Path, scratch: Path, rounds: int) -> None:
    """csguide's search ÷ the same without the engine, and the latter ÷ the stock /healthz,
    side by side; from them, the engine's share and the cost it would need for the target."""
    env = {"CSGUIDE_DATA_DIR": str(data), "CSGUIDE_SEARCH_CACHE": "0"}
    with (
        server_process(env, 1, "/readyz") as (base, _),
        floor_server(data, scratch) as floor,
        reference_server() as reference,
    ):

        def search() -> float:
            return answered(wrk(f"{base}/", 1, script, queries))

        def without_engine() -> float:
            return answered(wrk(f"{floor}/", 1, script, queries))

        def stock() -> float:
            return wrk(f"{reference}/healthz", 1)["rps"]

        engine = interleaved(search, without_engine, rounds)
        rest = interleaved(without_engine, stock, rounds)
    # Per request, in units of the stock app's: without the engine 1 / rest; with it, that
    # ÷ engine. The target allows 1 / HEADLINE_TARGET of them.
    with_engine, around = 1 / (median(engine) * median(rest)), 1 / median(rest)
    allowed = 1 / HEADLINE_TARGET - around
    print(f"\nwhat is left, side by side ({rounds} interleaved one-second rounds each):")
    print(f"  search ÷ the same app without the engine:          {spread(engine)}")
    print(f"  the app without the engine ÷ stock FastAPI /healthz: {spread(rest)}")
    print(
        f"  so a search request costs {with_engine:.1f} stock health checks, "
        f"{with_engine - around:.1f} of them the engine's ({1 - median(engine):.0%})"
    )
    if allowed > 0:
        print(
            f"  for search ÷ stock healthz ≥ {HEADLINE_TARGET} the engine may cost "
            f"{allowed:.2f} of them: {(with_engine - around) / allowed:.1f}× cheaper than now"
        )
    else:
        print(f"  even without the engine the ratio is at most {HEADLINE_TARGET}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-lang", type=int, default=250)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csguide-profile-") as tmp:
        scratch = Path(tmp)
        settings = ingested(scratch, args.per_lang)
        queries = write_queries(scratch / "queries.txt", vocabulary(settings.data_dir))
        script = scratch / "search.lua"
        script.write_text(WRK_SCRIPT)
        print(f"py-spy, {args.seconds} s at 200 Hz, one worker, wrk -t2 -c8 over the bench queries")
        try:
            profile(settings.data_dir, queries, script, args.seconds, cache=False)
            profile(settings.data_dir, queries, script, args.seconds, cache=True)
        except ProfileRefused as exc:
            print(f"no profile: py-spy could not sample the server ({exc}); run as root, or")
            print("allow tracing (sysctl kernel.yama.ptrace_scope=0), to get it")
        what_is_left(settings.data_dir, queries, script, scratch, args.rounds)


if __name__ == "__main__":
    main()
