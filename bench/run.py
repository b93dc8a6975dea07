"""The performance benchmark: every figure of the performance issue, measured in one run.

    .venv/bin/python -m bench.run [--per-lang 250] [--scale 4] [--seconds 10] [--workers 1]

For the default corpus (``--per-lang`` articles per content language, recombined from the
bundled articles' sentences by bench/corpus.py) and for one ``--scale`` times larger:

* cold ingest, and warm re-ingest with nothing changed (and its model calls);
* ``/v1/search`` and ``/healthz`` throughput side by side, and search p50/p99 latency, with
  8 concurrent connections (wrk, on loopback, each run bounded to ``--seconds``) over
  10,000 distinct 1–3-word queries in all five languages drawn from the corpus;
* the headline: search req/s with one worker ÷ the req/s of a stock FastAPI app's /healthz
  (bench/reference_app.py, uvicorn on asyncio and h11), measured right after it, and again
  with both servers running and wrk visiting each a second at a time (the steadier figure
  on a shared machine: identical servers measured minutes apart differ by ±15 %);
* the server's resident memory with all five indexes loaded, after the bench's queries, and
  again after the tip route's run and searches for :data:`MADE_UP_WORDS` made-up words, which
  fill every per-process cache of analysed words as a worker that has served for weeks would
  have them (with how much of it is the published index's files, mapped and shared);
* the query service's time per query in process (no HTTP), over the same queries (by stage:
  ``python -m bench.stages``);
* the search/healthz ratio with ``--workers`` 1 and 2, and 2 workers' search req/s ÷ 1's,
  also with both servers running and wrk visiting each a second at a time;
* ``GET /v1/tips/{id}`` throughput and p99 with the first ``--workers``, over 10,000 random
  tips and answer languages.

Every headline figure is measured with the response cache off (``CSGUIDE_SEARCH_CACHE=0``):
it is about the search engine, not about repeats. One more search run, with the cache at its
size that holds every bench query, shows what a repeated query costs.

Then batched vs one-by-one translation on the tiny test model (bench/translation.py). Absolute
times drift on a shared machine: the ratios, measured side by side, are the figures.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from urllib.parse import quote

import httpx2

from bench.corpus import generate
from pipeline.analysis import analyzer_for
from pipeline.ingest import run_ingest
from pipeline.languages import INDEX_LANGS
from pipeline.query import answer_search
from pipeline.search import PublishedIndex
from pipeline.settings import Settings
from tests.helpers import answering, free_port, server_process

REPO = Path(__file__).resolve().parents[1]
#: wrk's threads (-t): each runs the script in a state of its own.
WRK_THREADS = 2
#: Thread n of WRK_THREADS sends queries n, n + WRK_THREADS, …: no query is sent again before
#: every one has been sent once. (With one counter per thread, each thread sent the same
#: queries from the first: half the requests repeated a query a moment apart.)
WRK_SCRIPT = """
local started = 0
function setup(thread)
  thread:set("first", started)
  started = started + 1
end
local queries = {}
for line in io.lines(os.getenv("CSGUIDE_QUERIES")) do queries[#queries + 1] = line end
local sent = 0
request = function()
  local n = first + sent * THREADS
  sent = sent + 1
  return wrk.format("GET", "/v1/search?" .. queries[(n % #queries) + 1])
end
""".replace("THREADS", str(WRK_THREADS))
#: The same, for lines that are whole paths (the tip route's).
WRK_PATHS_SCRIPT = WRK_SCRIPT.replace('"/v1/search?" .. ', "")


@dataclass
class Figures:
    label: str
    articles: int = 0
    tips: int = 0
    cold_s: float = 0.0
    warm_s: float = 0.0
    warm_model_calls: int = 0
    rss_mib: float = 0.0
    # the same after the tip route's run and searches for MADE_UP_WORDS words
    rss_after_words_mib: float = 0.0
    mapped_after_words_mib: float = 0.0
    mapped_mib: float = 0.0  # of rss_mib, the published index's files mapped
    in_process: dict[str, float] = field(default_factory=dict)  # per query, µs
    search: dict[int, dict[str, float]] = field(default_factory=dict)  # workers → figures
    tip: dict[str, float] = field(default_factory=dict)  # GET /v1/tips/{id}, first workers
    reference_rps: float = 0.0  # the stock FastAPI app's /healthz (bench/reference_app.py)
    headline: list[float] = field(default_factory=list)  # search ÷ reference, per round
    scaling: list[float] = field(default_factory=list)  # last ÷ first --workers, per round
    cached_search: dict[str, float] = field(default_factory=dict)  # cache on, 1st worker count


def vocabulary(data_dir: Path, total: int = 10_000, seed: int = 0) -> list[tuple[str, str]]:
    """About ``total`` distinct 1–3-word queries (lang, query), a fifth per language, drawn
    from each language index's own texts. Thousands of them, so that no per-process cache of
    analysed words or answers holds the whole set."""
    rng = random.Random(seed)
    index = PublishedIndex.open_current(data_dir)
    queries: list[tuple[str, str]] = []
    per_lang = -(-total // 5)
    for lang in ("lv", "it", "zh", "ru", "en"):
        words: set[str] = set()
        for record in index.records(lang):
            if record.lang != lang:
                continue
            text = record.text
            for token in analyzer_for(lang)(text, chars=True, mode="index"):
                original = text[token.startchar : token.endchar]
                if len(original) > 2 or lang == "zh":
                    words.add(original)
            if len(words) > 3000:
                break
        if not words:  # the synthetic corpus has no English texts: use the bundled ones
            words = set(
                re.findall(
                    r"[A-Za-z]{4,}",
                    " ".join(
                        p.read_text(encoding="utf-8")
                        for p in (REPO / "content").glob("*/*.en.yaml")
                    ),
                )
            )
        pool = sorted(words)
        seen: set[str] = set()
        for _ in range(per_lang * 20):  # bounded: a small pool has fewer combinations
            if len(seen) == per_lang or not pool:
                break
            query = " ".join(rng.sample(pool, rng.randint(1, min(3, len(pool)))))
            if lang == "zh":
                query = query.replace(" ", "")
            if query not in seen:
                seen.add(query)
                queries.append((lang, query))
    index.close()
    return queries


def write_queries(path: Path, queries: list[tuple[str, str]]) -> Path:
    """The queries as wrk's search script reads them: one query string a line."""
    path.write_text(
        "\n".join(
            str(httpx2.QueryParams({"q": q, "lang": lang, "limit": 10})) for lang, q in queries
        )
        + "\n"
    )
    return path


#: Distinct made-up words searched for to fill the per-process caches of analysed words
#: (pipeline.matching keeps 16,384): RSS is measured again after them.
MADE_UP_WORDS = 24_000
#: Letters of each language's made-up words (Chinese: the first 3,000 characters of the CJK
#: block, whose made-up runs jieba cuts into words of one or two characters).
_LETTERS = {
    "lv": "aābcčdeēfgģhiījkķlļmnņoprsštuūvzž",
    "it": "abcdefghilmnopqrstuvzàèéìòù",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "en": "abcdefghijklmnopqrstuvwxyz",
}


def write_made_up_queries(path: Path, words: int = MADE_UP_WORDS, seed: int = 23) -> Path:
    """Queries of one or two words no index holds (4–11 letters; Chinese 2–3 characters),
    at least ``words`` distinct ones in all, in wrk's search script's format. Each word is
    analysed in every language, the last one looked up as a prefix, and those of 5 letters or
    more with typos, as a misspelt or half-typed word is."""
    rng = random.Random(seed)
    han = [chr(code) for code in range(0x4E00, 0x4E00 + 3000)]
    seen: set[str] = set()
    queries: list[tuple[str, str]] = []
    while len(seen) < words:
        lang = rng.choice(INDEX_LANGS)
        made = []
        for _ in range(rng.randint(1, 2)):
            if lang == "zh":
                word = "".join(rng.choices(han, k=rng.randint(2, 3)))
            else:
                word = "".join(rng.choices(_LETTERS[lang], k=rng.randint(4, 11)))
            seen.add(word)
            made.append(word)
        queries.append((lang, ("" if lang == "zh" else " ").join(made)))
    return write_queries(path, queries)


def write_tip_paths(path: Path, data: Path, count: int = 10_000) -> Path:
    """Tip routes as the widget's pages and intranet links ask for them: a random tip of the
    corpus in a random answer language, one path a line."""
    rng = random.Random(18)
    with PublishedIndex.open_current(data) as index:
        searcher = index.searcher("lv")
        ids = [str(searcher.stored_fields(n)["id"]) for n in range(searcher.doc_count_all())]
    path.write_text(
        "".join(
            f"/v1/tips/{quote(rng.choice(ids), safe='/')}?lang={rng.choice(INDEX_LANGS)}\n"
            for _ in range(count)
        )
    )
    return path


def in_process(settings: Settings, queries: list[tuple[str, str]]) -> dict[str, float]:
    """The query service's time per query in this process, no HTTP (the bench queries twice,
    the second pass timed): what a search costs beside the framework around it."""
    times = []
    with PublishedIndex.open_current(settings.data_dir) as index:
        for timed in (False, True):
            for lang, query in queries:
                start = time.perf_counter()
                answer_search(index, settings, query, lang=lang, limit=10)
                if timed:
                    times.append(time.perf_counter() - start)
    times.sort()
    return {
        "mean_us": sum(times) / len(times) * 1e6,
        "p50_us": times[len(times) // 2] * 1e6,
        "p99_us": times[int(len(times) * 0.99)] * 1e6,
    }


def _process_tree(pid: int) -> list[int]:
    """A process and its children (uvicorn's workers)."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [pid, *map(int, children.stdout.split())]


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children."""
    total = 0
    for each in _process_tree(pid):
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def mapped_mib(pid: int, directory: Path) -> float:
    """Of a process's (and its children's) resident memory, the pages of files under
    ``directory`` it maps: the published index's score tables and tip records, which are
    the page cache's, shared by every worker, rather than each worker's own."""
    total = 0
    inside = f"{directory.resolve()}/"
    for each in _process_tree(pid):
        mapped = False
        for line in Path(f"/proc/{each}/smaps").read_text().splitlines():
            head = line.split(maxsplit=5)
            if len(head) >= 5 and "-" in head[0] and ":" not in head[0]:  # a mapping's line
                mapped = len(head) == 6 and head[5].startswith(inside)
            elif mapped and line.startswith("Rss:"):
                total += int(line.split()[1])
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process and its children have used so far. Per request,
    it moves far less than req/s when other jobs share the machine's cores."""
    ticks = 0
    for each in _process_tree(pid):
        # Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
        fields = Path(f"/proc/{each}/stat").read_text().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk(
    url: str, seconds: int, script: Path | None = None, queries: Path | None = None
) -> dict[str, float]:
    command = ["wrk", f"-t{WRK_THREADS}", "-c8", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        command += ["-s", str(script)]
    env = os.environ | ({"CSGUIDE_QUERIES": str(queries)} if queries else {})
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, env=env, check=True
    ).stdout
    figures = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": float(re.search(r"(\d+) requests in", output).group(1)),
    }
    for percent in ("50", "99"):
        value, unit = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)", output).groups()
        figures[f"p{percent}_ms"] = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["errors"] = float(errors.group(1)) if errors else 0.0
    return figures


@contextmanager
def reference_server() -> Iterator[str]:
    """bench/reference_app.py under uvicorn, one process, asyncio and h11 (uvicorn's choice
    when uvloop and httptools are not installed), no access log (as `csguide serve`)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.reference_app:app",
            "--port",
            str(port),
            "--loop",
            "asyncio",
            "--http",
            "h11",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert answering(f"{base}/healthz"), "the reference app did not start"
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def spread(ratios: list[float]) -> str:
    """The median of per-round ratios, and the middle half of the rounds."""
    ordered = sorted(ratios)
    quarter = len(ordered) // 4
    return (
        f"{median(ordered):.3f} (middle half of the rounds {ordered[quarter]:.3f}–"
        f"{ordered[-quarter - 1]:.3f})"
    )


def interleaved(
    top: Callable[[], float], bottom: Callable[[], float], rounds: int, warm_ups: int = 1
) -> list[float]:
    """``top() ÷ bottom()`` per round, the two runs taken one after the other (the order
    reversed every other round), so that both share the machine's drift."""
    for run in (top, bottom):
        for _ in range(warm_ups):
            run()
    ratios = []
    for turn in range(rounds):
        if turn % 2 == 0:
            upper = top()
            ratios.append(upper / bottom())
        else:
            lower = bottom()
            ratios.append(top() / lower)
    return ratios


def side_by_side(data: Path, script: Path, queries: Path, rounds: int) -> list[float]:
    """The headline measured as the machine allows: csguide (one worker) and the stock
    reference app running at once, wrk visiting each for one second per round; per round,
    search req/s ÷ the reference's /healthz req/s."""
    env = {"CSGUIDE_DATA_DIR": str(data), "CSGUIDE_SEARCH_CACHE": "0"}
    with server_process(env, 1, "/readyz") as (base, _), reference_server() as reference:
        return interleaved(
            lambda: wrk(f"{base}/", 1, script, queries)["rps"],
            lambda: wrk(f"{reference}/healthz", 1)["rps"],
            rounds,
        )


def workers_side_by_side(
    data: Path, script: Path, queries: Path, counts: tuple[int, int], rounds: int
) -> list[float]:
    """Search req/s with ``counts[1]`` workers ÷ with ``counts[0]``, as the headline is
    measured: both servers running, wrk visiting each for one second per round. Measured a
    run apart, the same code gave 1.40 to 2.09."""
    env = {"CSGUIDE_DATA_DIR": str(data), "CSGUIDE_SEARCH_CACHE": "0"}
    with (
        server_process(env, counts[0], "/readyz") as (few, _),
        server_process(env, counts[1], "/readyz") as (many, _),
    ):
        return interleaved(
            lambda: wrk(f"{many}/", 1, script, queries)["rps"],
            lambda: wrk(f"{few}/", 1, script, queries)["rps"],
            rounds,
            warm_ups=2,  # first use of each index in each worker
        )


def measure(label: str, per_lang: int, seconds: int, workers: list[int], scratch: Path) -> Figures:
    figures = Figures(label)
    content, data = scratch / label / "content", scratch / label / "var"
    figures.articles = generate(content, per_lang)
    settings = Settings(content_dir=content, data_dir=data)
    start = time.perf_counter()
    cold = run_ingest(settings)
    figures.cold_s = time.perf_counter() - start
    assert cold.exit_code == 0, cold.message
    figures.tips = cold.tip_count
    start = time.perf_counter()
    warm = run_ingest(settings)
    figures.warm_s = time.perf_counter() - start
    figures.warm_model_calls = warm.translation.model_calls
    queries = vocabulary(data)
    figures.in_process = in_process(settings, queries)
    query_file = write_queries(scratch / label / "queries.txt", queries)
    script = scratch / "search.lua"
    script.write_text(WRK_SCRIPT)
    tip_paths = write_tip_paths(scratch / label / "tips.txt", data)
    tip_script = scratch / "paths.lua"
    tip_script.write_text(WRK_PATHS_SCRIPT)
    made_up = write_made_up_queries(scratch / label / "made_up.txt")
    uncached = {"CSGUIDE_DATA_DIR": str(data), "CSGUIDE_SEARCH_CACHE": "0"}
    for count in workers:
        with server_process(uncached, count, "/readyz") as (base, process):
            wrk(f"{base}/", 2, script, query_file)  # warm-up: first use of each index
            before = cpu_seconds(process.pid)
            search = wrk(f"{base}/", seconds, script, query_file)
            cpu = cpu_seconds(process.pid) - before
            health = wrk(f"{base}/healthz", seconds)
            if count == workers[0]:
                figures.rss_mib = rss_mib(process.pid)
                figures.mapped_mib = mapped_mib(process.pid, data)
                figures.tip = wrk(f"{base}/", seconds, tip_script, tip_paths)
                # long enough for every made-up query at about 1,000 a second (each once)
                wrk(f"{base}/", max(seconds, 20), script, made_up)
                figures.rss_after_words_mib = rss_mib(process.pid)
                figures.mapped_after_words_mib = mapped_mib(process.pid, data)
            figures.search[count] = {
                "search_rps": search["rps"],
                "healthz_rps": health["rps"],
                "ratio": search["rps"] / health["rps"],
                # the server's CPU a search, whatever share of the cores wrk leaves it
                "cpu_us": cpu / search["requests"] * 1e6,
                "p50_ms": search["p50_ms"],
                "p99_ms": search["p99_ms"],
                "errors": search["errors"],
                "queries": len(queries),
            }
        if count == 1:  # right after our own run, so that both see the machine alike
            with reference_server() as reference:
                wrk(f"{reference}/healthz", 2)  # warm-up
                figures.reference_rps = wrk(f"{reference}/healthz", seconds)["rps"]
    if 1 in workers:
        figures.headline = side_by_side(data, script, query_file, rounds=20)
    if len(workers) > 1:
        counts = (workers[0], workers[-1])
        figures.scaling = workers_side_by_side(data, script, query_file, counts, rounds=10)
    # A cache that holds every bench query: the default 1,024 entries, cycled through the
    # queries in order, would miss every time (least recently used is always next).
    cached = {"CSGUIDE_DATA_DIR": str(data), "CSGUIDE_SEARCH_CACHE": str(2 * len(queries))}
    with server_process(cached, workers[0], "/readyz") as (base, _):
        wrk(f"{base}/", seconds, script, query_file)  # fills the cache: every query once
        figures.cached_search = wrk(f"{base}/", seconds, script, query_file)
    return figures


def report(results: list[Figures], workers: list[int]) -> None:
    small, large = results[0], results[-1]
    rows = [
        ("articles", "{:.0f}", lambda f: f.articles),
        ("tips", "{:.0f}", lambda f: f.tips),
        ("cold ingest (s)", "{:.1f}", lambda f: f.cold_s),
        ("warm re-ingest (s)", "{:.2f}", lambda f: f.warm_s),
        ("warm / cold", "{:.1%}", lambda f: f.warm_s / f.cold_s),
        ("warm model calls", "{:.0f}", lambda f: f.warm_model_calls),
        (f"server RSS, {workers[0]} worker (MiB)", "{:.0f}", lambda f: f.rss_mib),
        ("  of which mapped index files (MiB)", "{:.0f}", lambda f: f.mapped_mib),
        ("  after tips and new words (MiB)", "{:.0f}", lambda f: f.rss_after_words_mib),
        ("    of which mapped (MiB)", "{:.0f}", lambda f: f.mapped_after_words_mib),
        (
            "  not mapped: after ÷ before",
            "{:.2f}",
            lambda f: (
                (f.rss_after_words_mib - f.mapped_after_words_mib) / (f.rss_mib - f.mapped_mib)
            ),
        ),
        ("stock FastAPI /healthz req/s", "{:.0f}", lambda f: f.reference_rps),
        (
            "search ÷ stock healthz (1 worker)",
            "{:.2f}",
            lambda f: f.search[1]["search_rps"] / f.reference_rps if f.reference_rps else 0,
        ),
        (
            "  the same, side by side",
            "{:.2f}",
            lambda f: median(f.headline) if f.headline else 0,
        ),
        ("in process: search mean (µs)", "{:.0f}", lambda f: f.in_process["mean_us"]),
        ("in process: search p50 (µs)", "{:.0f}", lambda f: f.in_process["p50_us"]),
        ("in process: search p99 (µs)", "{:.0f}", lambda f: f.in_process["p99_us"]),
    ]
    for count in workers:
        rows += [
            (
                f"search req/s ({count} worker)",
                "{:.0f}",
                lambda f, c=count: f.search[c]["search_rps"],
            ),
            (
                f"healthz req/s ({count} worker)",
                "{:.0f}",
                lambda f, c=count: f.search[c]["healthz_rps"],
            ),
            (f"search/healthz ({count} worker)", "{:.2f}", lambda f, c=count: f.search[c]["ratio"]),
            (
                f"server CPU µs a search ({count} worker)",
                "{:.0f}",
                lambda f, c=count: f.search[c]["cpu_us"],
            ),
            (f"search p50 ms ({count} worker)", "{:.1f}", lambda f, c=count: f.search[c]["p50_ms"]),
            (f"search p99 ms ({count} worker)", "{:.1f}", lambda f, c=count: f.search[c]["p99_ms"]),
            (f"non-2xx ({count} worker)", "{:.0f}", lambda f, c=count: f.search[c]["errors"]),
        ]
    if len(workers) > 1:
        rows.append(
            (
                f"search req/s, {workers[-1]} ÷ {workers[0]} workers",
                "{:.2f}",
                lambda f: f.search[workers[-1]]["search_rps"] / f.search[workers[0]]["search_rps"],
            )
        )
        rows.append(
            (
                "  the same, side by side",
                "{:.2f}",
                lambda f: median(f.scaling) if f.scaling else 0,
            )
        )
        # wrk runs on the same cores: more workers get less than whole cores. The CPU a
        # search costs shows whether the workers themselves scale (1.00: not slowed at all).
        rows.append(
            (
                f"CPU a search, {workers[-1]} ÷ {workers[0]} workers",
                "{:.2f}",
                lambda f: f.search[workers[-1]]["cpu_us"] / f.search[workers[0]]["cpu_us"],
            )
        )
    rows += [
        (f"tip req/s ({workers[0]} worker)", "{:.0f}", lambda f: f.tip["rps"]),
        (f"tip p99 ms ({workers[0]} worker)", "{:.1f}", lambda f: f.tip["p99_ms"]),
        (f"tip non-2xx ({workers[0]} worker)", "{:.0f}", lambda f: f.tip["errors"]),
        (
            f"search req/s, cache on ({workers[0]} w.)",
            "{:.0f}",
            lambda f: f.cached_search["rps"],
        ),
        (
            f"search p99 ms, cache on ({workers[0]} w.)",
            "{:.1f}",
            lambda f: f.cached_search["p99_ms"],
        ),
    ]
    print(f"\n{'figure':<32} {small.label:>12} {large.label:>12} {'change':>8}")
    for name, fmt, get in rows:
        a, b = get(small), get(large)
        change = f"{b / a:.2f}×" if a else "—"
        print(f"{name:<32} {fmt.format(a):>12} {fmt.format(b):>12} {change:>8}")
    for figures in results:
        if figures.headline:
            print(
                f"headline ({figures.label}), search ÷ stock FastAPI /healthz with both servers "
                f"running, {len(figures.headline)} interleaved one-second rounds: "
                f"{spread(figures.headline)}"
            )
        if figures.scaling:
            print(
                f"workers ({figures.label}), search req/s with {workers[-1]} ÷ with "
                f"{workers[0]}, both servers running, {len(figures.scaling)} interleaved "
                f"one-second rounds: {spread(figures.scaling)}"
            )
    print(
        f"queries: {small.search[workers[0]]['queries']} distinct 1–3-word queries in lv, it, "
        f"zh, ru, en; 8 connections (wrk -t2 -c8)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-lang", type=int, default=250)
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csguide-bench-") as tmp:
        scratch = Path(tmp)
        results = []
        for label, per_lang in (
            ("default", args.per_lang),
            (f"{args.scale}x", args.per_lang * args.scale),
        ):
            print(f"measuring {label}: {per_lang} articles per language …", flush=True)
            results.append(measure(label, per_lang, args.seconds, args.workers, scratch))
        report(results, args.workers)


if __name__ == "__main__":
    main()
