"""Where a search's time goes in process, by stage: the query service timed with each stage's
functions wrapped by a timer.

    .venv/bin/python -m bench.stages [--per-lang 250] [--queries 10000]

Stages (each function's own time: a stage called inside another is charged to itself, and
paused in its caller):

* language detection: negotiating the answer language and detecting the query's;
* query analysis: cutting the query into words and each word into every language's terms;
* candidates: the terms a word may mean (exact, prefix, typo), per language;
* ranking: scoring each word's tips (numpy), glossary concepts, combining words, the best n;
* tip records: reading and validating a stored tip (kept per version after the first read);
* highlighting: marking the matched words in each hit;
* building hits and serialisation: the hits, and the response as JSON bytes (as the route
  does it);
* other: the rest of ``answer_search`` and ``PublishedIndex.search`` themselves.

The wrappers cost about a microsecond a call, so the total is a little above a plain run's
(``bench.run``'s "in process" rows); the shares are the figure.
"""

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any

from bench.corpus import ingested
from bench.run import vocabulary
from pipeline import matching, query, query_language, search
from pipeline.query import answer_search
from pipeline.schema import SearchHit
from pipeline.settings import Settings

#: stage → (object, attribute) of the functions charged to it
STAGES: dict[str, list[tuple[Any, str]]] = {
    "language detection": [
        (query, "negotiate"),
        (query, "detect_query_language"),
        (query_language, "detect_query_language"),
    ],
    "query analysis": [
        (search, "query_words"),
        (search, "word_forms"),
        (matching, "word_forms"),
        (matching, "word_terms"),
    ],
    "candidates": [(search, "candidates")],
    "ranking": [
        (search.PublishedIndex, "_score_word"),
        (search.PublishedIndex, "_synonym_matches"),
        (search._WordMatches, "best"),
        (search, "_combine"),
        (search, "_first"),
        (search.Synonyms, "expand"),
    ],
    "tip records": [(search, "_read_record")],
    "highlighting": [(search, "highlight")],
}
ORDER = [*STAGES, "building hits and serialisation", "other"]


class StageClock:
    """Exclusive time per stage: entering a stage pauses the one it was called from."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(ORDER, 0.0)
        self._stack: list[tuple[str, float]] = []

    def enter(self, stage: str) -> None:
        now = time.perf_counter()
        if self._stack:
            outer, since = self._stack[-1]
            self.seconds[outer] += now - since
        self._stack.append((stage, now))

    def leave(self) -> None:
        now = time.perf_counter()
        stage, since = self._stack.pop()
        self.seconds[stage] += now - since
        if self._stack:
            self._stack[-1] = (self._stack[-1][0], now)

    def timed(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.enter(stage)
            try:
                return function(*args, **kwargs)
            finally:
                self.leave()

        return wrapper


@contextmanager
def instrumented(clock: StageClock) -> Iterator[None]:
    """Every stage's functions wrapped by ``clock`` for the block (open indexes after
    entering it: a version binds its record reader when it opens)."""
    saved = []
    for stage, places in STAGES.items():
        for owner, name in places:
            original = owner.__dict__[name]
            saved.append((owner, name, original))
            setattr(owner, name, clock.timed(stage, original))
    # Inherited from pydantic's BaseModel: shadowed on the class for the block, then removed.
    construct = clock.timed("building hits and serialisation", SearchHit.model_construct)
    SearchHit.model_construct = construct  # type: ignore[method-assign]
    try:
        yield
    finally:
        del SearchHit.model_construct
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)


def measure(settings: Settings, queries: list[tuple[str, str]]) -> tuple[dict[str, float], int]:
    """µs per query by stage, over ``queries`` searched twice (the second pass timed)."""
    clock = StageClock()
    with instrumented(clock), search.PublishedIndex.open_current(settings.data_dir) as index:
        for timed in (False, True):
            if timed:
                clock.seconds = dict.fromkeys(ORDER, 0.0)
            for lang, text in queries:
                clock.enter("other")
                answer = answer_search(index, settings, text, lang=lang, limit=10)
                clock.enter("building hits and serialisation")
                answer.response_json()
                clock.leave()
                clock.leave()
    return {stage: s / len(queries) * 1e6 for stage, s in clock.seconds.items()}, len(queries)


def report(per_stage: dict[str, float], count: int) -> None:
    total = sum(per_stage.values())
    print(f"in process, {count} distinct queries, µs per query by stage (mean):")
    for stage in ORDER:
        print(f"  {stage:<34} {per_stage[stage]:7.1f} µs  {per_stage[stage] / total:6.1%}")
    print(f"  {'total':<34} {total:7.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-lang", type=int, default=250)
    parser.add_argument("--queries", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csguide-stages-") as tmp:
        settings = ingested(Path(tmp), args.per_lang)
        queries = vocabulary(settings.data_dir, total=args.queries)
        report(*measure(settings, queries))


if __name__ == "__main__":
    main()
