"""Search quality on a labelled set of agent queries: hits@1, hits@5, MRR and zero results.

    .venv/bin/python -m bench.search_quality [--data-dir DIR] [--json] [--queries TSV]

The set is ``tests/search_queries.tsv``: queries as support agents type them (half-typed
words, typos, no diacritics, two languages in one query, their own words for a thing, and
exact controls), each labelled with the tips that answer it, by reading the tips. Every query
goes through the real HTTP app in process (``GET /v1/search?q=&lang=&limit=10``), so language
detection, analysis and ranking are all measured as a caller meets them.

Without ``--data-dir`` the bundled content is ingested into a temporary data dir; with it,
the dir is used as it is when something is published there, and ingested into otherwise.

``evaluate(client)`` is the measuring part, for tests: any client with Starlette's
``TestClient.get`` interface will do.
"""

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pipeline.languages import INDEX_LANGS

REPO = Path(__file__).resolve().parents[1]
QUERIES = REPO / "tests" / "search_queries.tsv"
COLUMNS = ("category", "query_lang", "lang", "query", "relevant", "note")

#: Categories in the order they are reported, with the least number of queries each must have.
MINIMUMS = {"exact": 25, "prefix": 30, "typo": 30, "nodiacritics": 20, "mixed": 20, "synonym": 20}
CATEGORIES = tuple(MINIMUMS)
MIN_QUERIES = 150
#: Results asked for per query: MRR counts the first relevant tip within them.
DEPTH = 10
HITS_AT = 5


@dataclass(frozen=True)
class LabelledQuery:
    category: str
    query_lang: str  # the language(s) of the words, "en" or "en+ru"
    lang: str  # the answer language asked for
    query: str
    relevant: tuple[str, ...]  # tip ids; a hit on any of them counts
    note: str
    line: int  # in the TSV, for messages


def load_queries(path: Path = QUERIES) -> list[LabelledQuery]:
    """The labelled set, every row checked; a malformed row raises ValueError naming its line."""
    rows: list[LabelledQuery] = []
    problems: list[str] = []
    header_seen = False
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        cells = raw.split("\t")
        if not header_seen:
            header_seen = True
            if tuple(cells) != COLUMNS:
                problems.append(f"line {number}: header must be {'<TAB>'.join(COLUMNS)}")
            continue
        if len(cells) != len(COLUMNS):
            problems.append(f"line {number}: {len(cells)} columns, expected {len(COLUMNS)}")
            continue
        category, query_lang, lang, query, relevant, note = cells
        ids = tuple(tip.strip() for tip in relevant.split(","))
        problems += [
            f"line {number}: {message}"
            for message in _row_problems(category, query_lang, lang, query, ids)
        ]
        key = (query, lang)
        if key in seen:
            problems.append(f"line {number}: same query and lang as line {seen[key]}")
        seen.setdefault(key, number)
        rows.append(LabelledQuery(category, query_lang, lang, query, ids, note, number))
    if not header_seen:
        problems.append("no header line")
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    return rows


def _row_problems(
    category: str, query_lang: str, lang: str, query: str, ids: Sequence[str]
) -> list[str]:
    problems = []
    if category not in MINIMUMS:
        problems.append(f"unknown category {category!r} (one of {', '.join(CATEGORIES)})")
    if lang not in INDEX_LANGS:
        problems.append(f"lang {lang!r} is not one of {', '.join(INDEX_LANGS)}")
    parts = query_lang.split("+")
    if any(part not in INDEX_LANGS for part in parts) or len(set(parts)) != len(parts):
        problems.append(f"query_lang {query_lang!r}: languages joined by '+'")
    elif (category == "mixed") != (len(parts) == 2):
        problems.append(f"query_lang {query_lang!r}: two languages for mixed, one otherwise")
    if not query or query != query.strip():
        problems.append("empty query or surrounding spaces")
    if not all(tip.count("/") == 2 and all(tip.split("/")) for tip in ids):
        problems.append(f"relevant {','.join(ids)!r}: tip ids like <lang>/<slug>/<hash>")
    return problems


class SearchClient(Protocol):
    def get(self, url: str, *, params: dict[str, Any]) -> Any: ...


@dataclass(frozen=True)
class Outcome:
    query: LabelledQuery
    rank: int | None  # of the first relevant tip within the first DEPTH results, from 1
    total: int  # tips that matched at all
    first_id: str | None
    first_title: str | None
    query_lang: str  # what the API took the query's language to be

    @property
    def hit_at_5(self) -> bool:
        return self.rank is not None and self.rank <= HITS_AT


@dataclass(frozen=True)
class Figures:
    queries: int
    hits_at_1: float
    hits_at_5: float
    mrr: float
    zero_results: float  # share of queries with no result at all

    @classmethod
    def of(cls, outcomes: Sequence[Outcome]) -> "Figures":
        n = len(outcomes)
        if not n:
            return cls(0, 0.0, 0.0, 0.0, 0.0)
        return cls(
            queries=n,
            hits_at_1=sum(o.rank == 1 for o in outcomes) / n,
            hits_at_5=sum(o.hit_at_5 for o in outcomes) / n,
            mrr=sum(1 / o.rank for o in outcomes if o.rank) / n,
            zero_results=sum(o.total == 0 for o in outcomes) / n,
        )


@dataclass
class Report:
    outcomes: list[Outcome]
    seconds: float = 0.0  # evaluation only, not the ingest
    ingest_seconds: float | None = field(default=None)

    def figures(self, category: str | None = None, query_lang: str | None = None) -> Figures:
        return Figures.of(
            [
                o
                for o in self.outcomes
                if category in (None, o.query.category)
                and query_lang in (None, *o.query.query_lang.split("+"))
            ]
        )

    def by_category(self) -> dict[str, Figures]:
        return {**{c: self.figures(c) for c in CATEGORIES}, "all": self.figures()}

    def misses(self) -> list[Outcome]:
        """Queries with no relevant tip in the first five results."""
        return [o for o in self.outcomes if not o.hit_at_5]

    def as_dict(self) -> dict[str, Any]:
        return {
            "queries": len(self.outcomes),
            "seconds": round(self.seconds, 3),
            "ingest_seconds": self.ingest_seconds and round(self.ingest_seconds, 3),
            "figures": {
                name: {k: _rounded(v) if isinstance(v, float) else v for k, v in asdict(f).items()}
                for name, f in self.by_category().items()
            },
            "hits_at_5_by_query_lang": {
                c: {lang: _rounded(self.figures(c, lang).hits_at_5) for lang in INDEX_LANGS}
                for c in CATEGORIES
            },
            "misses": [
                {
                    "category": o.query.category,
                    "query": o.query.query,
                    "lang": o.query.lang,
                    "query_lang_detected": o.query_lang,
                    "rank": o.rank,
                    "total": o.total,
                    "first": o.first_id,
                    "first_title": o.first_title,
                    "relevant": list(o.query.relevant),
                    "note": o.query.note,
                }
                for o in self.misses()
            ],
        }

    def table(self) -> str:
        lines = [
            f"{'category':<13} {'queries':>7} {'hits@1':>7} {'hits@5':>7} {'MRR':>6} {'zero':>6}"
        ]
        for name, f in self.by_category().items():
            lines.append(
                f"{name:<13} {f.queries:>7} {f.hits_at_1:>7.3f} {f.hits_at_5:>7.3f}"
                f" {f.mrr:>6.3f} {f.zero_results:>6.1%}"
            )
        lines += ["", "hits@5 by the query's language (a mixed query counts for both):"]
        lines.append(f"{'category':<13} " + " ".join(f"{lang:>5}" for lang in INDEX_LANGS))
        for c in CATEGORIES:
            cells = []
            for lang in INDEX_LANGS:
                f = self.figures(c, lang)
                cells.append(f"{f.hits_at_5:>5.2f}" if f.queries else f"{'-':>5}")
            lines.append(f"{c:<13} " + " ".join(cells))
        misses = self.misses()
        lines += ["", f"Missed at {HITS_AT} ({len(misses)}): category, lang, query -> first result"]
        for o in misses:
            first = (
                f"{_short(o.first_id)} {o.first_title!r} (rank {o.rank or '-'}, {o.total} found)"
                if o.first_id
                else "no results"
            )
            lines.append(
                f"  {o.query.category:<12} {o.query.lang} [{o.query_lang}] {o.query.query!r}"
                f" -> {first}"
            )
        lines.append("")
        timing = f"{len(self.outcomes)} queries in {self.seconds:.2f} s"
        if self.ingest_seconds is not None:
            timing += f" (ingest {self.ingest_seconds:.1f} s)"
        lines.append(timing)
        return "\n".join(lines)


def evaluate(client: SearchClient, queries: Iterable[LabelledQuery] | None = None) -> Report:
    """Every labelled query through ``GET /v1/search``, its outcome and the figures."""
    started = time.perf_counter()
    outcomes = []
    for q in load_queries() if queries is None else queries:
        response = client.get("/v1/search", params={"q": q.query, "lang": q.lang, "limit": DEPTH})
        if response.status_code != 200:
            raise RuntimeError(f"{q.query!r} ({q.lang}): {response.status_code} {response.text}")
        body = response.json()
        results = body["results"]
        ids = [r["id"] for r in results]
        rank = next((i for i, tip in enumerate(ids, start=1) if tip in q.relevant), None)
        outcomes.append(
            Outcome(
                query=q,
                rank=rank,
                total=body["total"],
                first_id=ids[0] if ids else None,
                first_title=results[0]["title"] if results else None,
                query_lang=body["query_lang"],
            )
        )
    return Report(outcomes, seconds=time.perf_counter() - started)


def _short(tip_id: str | None) -> str:
    """``zh/why-customer-service-matters/9bcaea1a32`` -> ``zh/…/9bcaea1a32``."""
    if not tip_id:
        return "-"
    lang, _, rest = tip_id.partition("/")
    return f"{lang}/…/{rest.rpartition('/')[2]}"


def _rounded(value: float) -> float:
    return round(value, 4)


def run(data_dir: Path | None, queries_path: Path) -> Report:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from pipeline.ingest import run_ingest
    from pipeline.publish import current_version
    from pipeline.settings import Settings

    queries = load_queries(queries_path)
    with tempfile.TemporaryDirectory(prefix="csguide-quality-") as scratch:
        settings = Settings(
            data_dir=data_dir or Path(scratch) / "var",
            content_dir=REPO / "content",
            api_keys=[],
            rate_limit_per_minute=0,
            search_cache=0,
        )
        ingest_seconds = None
        if current_version(settings.data_dir) is None:
            started = time.perf_counter()
            report = run_ingest(settings)
            ingest_seconds = time.perf_counter() - started
            if report.exit_code == 2:
                raise SystemExit(f"ingest published nothing: {report}")
        with TestClient(create_app(settings)) as client:
            result = evaluate(client, queries)
    result.ingest_seconds = ingest_seconds
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="an ingested data dir (else a fresh one)")
    parser.add_argument("--queries", type=Path, default=QUERIES, help="the labelled set (TSV)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = run(args.data_dir, args.queries)
    if args.json:
        json.dump(report.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(report.table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
