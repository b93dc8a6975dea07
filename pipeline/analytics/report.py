"""The editors' report: per answer language, what agents searched for, what found nothing,
what they opened and voted on, and which tips to translate first.

``translation_priorities`` ranks the tips agents in a language were shown or opened that have
no current editor translation there (machine-translated, untranslated, or an editor
translation outdated by a change to the original), by demand: how many of that language's
searches showed the tip, plus how many times it was opened. The provenance is read from the
index version being served, so a tip translated since drops out of the list.
"""

from collections import Counter, defaultdict
from typing import Protocol

from pydantic import BaseModel

from pipeline.analytics.store import AnalyticsStore
from pipeline.languages import INDEX_LANGS
from pipeline.schema import Provenance, TipRecord

#: How many rows each ranked list keeps.
TOP = 20


class TipLookup(Protocol):
    def tip(self, tip_id: str, lang: str) -> TipRecord | None: ...


class QueryCount(BaseModel):
    query: str
    count: int


class TipCount(BaseModel):
    tip_id: str
    count: int


class Priority(BaseModel):
    tip_id: str
    provenance: Provenance
    outdated: bool
    demand: int
    shown: int
    opened: int
    title: str


class Day(BaseModel):
    day: str  # YYYY-MM-DD, UTC
    searches: int
    zero_results: int


class LanguageReport(BaseModel):
    searches: int = 0
    zero_result_searches: int = 0
    zero_result_share: float = 0.0
    open_rate: float = 0.0  # share of searches with at least one result opened
    mean_position_opened: float | None = None
    top_queries: list[QueryCount] = []
    zero_result_queries: list[QueryCount] = []
    most_opened: list[TipCount] = []
    most_not_helpful: list[TipCount] = []
    translation_priorities: list[Priority] = []
    per_day: list[Day] = []


class Report(BaseModel):
    since: float
    searches: int
    events: int
    languages: dict[str, LanguageReport]


def build_report(
    store: AnalyticsStore, since: float, index: TipLookup | None, lang: str | None = None
) -> Report:
    langs = [lang] if lang else list(INDEX_LANGS)
    per_lang = {code: LanguageReport() for code in langs}
    where = "s.at >= ?" + (" AND s.answer_lang = ?" if lang else "")
    params: tuple[object, ...] = (since, lang) if lang else (since,)

    def rows(sql: str) -> list[tuple[object, ...]]:
        return store.rows(sql.format(where=where), params)

    for code, searches, zero in rows(
        "SELECT s.answer_lang, COUNT(*), SUM(CASE WHEN s.total = 0 THEN 1 ELSE 0 END) "
        "FROM searches s WHERE {where} GROUP BY s.answer_lang"
    ):
        report = per_lang.setdefault(str(code), LanguageReport())
        report.searches, report.zero_result_searches = _int(searches), _int(zero)
        report.zero_result_share = round(_int(zero) / max(1, _int(searches)), 4)

    for only_zero in (False, True):  # every query, then those that found nothing
        for code, query, count in rows(
            "SELECT s.answer_lang, s.query, COUNT(*) AS n FROM searches s WHERE {where}"
            + (" AND s.total = 0" if only_zero else "")
            + " GROUP BY s.answer_lang, s.query ORDER BY n DESC, s.query"
        ):
            part = per_lang[str(code)]
            ranked = part.zero_result_queries if only_zero else part.top_queries
            if len(ranked) < TOP:
                ranked.append(QueryCount(query=str(query), count=_int(count)))

    for code, opened, mean_position in rows(
        "SELECT s.answer_lang, COUNT(DISTINCT s.search_id), AVG(e.position) FROM searches s "
        "JOIN events e ON e.search_id = s.search_id AND e.type = 'open' WHERE {where} "
        "GROUP BY s.answer_lang"
    ):
        report = per_lang[str(code)]
        report.open_rate = round(_int(opened) / max(1, report.searches), 4)
        report.mean_position_opened = round(float(str(mean_position)), 2)

    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for code, kind, tip_id, count in rows(
        "SELECT s.answer_lang, e.type, e.tip_id, COUNT(*) AS n FROM searches s "
        "JOIN events e ON e.search_id = s.search_id WHERE {where} "
        "GROUP BY s.answer_lang, e.type, e.tip_id ORDER BY n DESC, e.tip_id"
    ):
        counts[str(code)][str(kind)][str(tip_id)] = _int(count)
    shown: dict[str, Counter[str]] = defaultdict(Counter)
    for code, ids in rows("SELECT s.answer_lang, s.shown FROM searches s WHERE {where}"):
        shown[str(code)].update(str(ids).split("\n") if ids else ())
    for code, tips in shown.items():
        counts[code]["shown"] = dict(tips)

    for code, report in per_lang.items():
        kinds = counts.get(code, {})
        report.most_opened = _top(kinds.get("open", {}))
        report.most_not_helpful = _top(kinds.get("not_helpful", {}))
        if index is not None:
            report.translation_priorities = _priorities(
                index, code, kinds.get("shown", {}), kinds.get("open", {})
            )

    # Days counted here, not in SQL: CAST(x AS INTEGER) truncates in SQLite and rounds in
    # PostgreSQL, which would move every afternoon's searches to the next day.
    days: dict[str, dict[int, list[int]]] = defaultdict(dict)
    for code, at, total in rows(
        "SELECT s.answer_lang, s.at, s.total FROM searches s WHERE {where}"
    ):
        tally = days[str(code)].setdefault(int(float(str(at)) // 86400), [0, 0])
        tally[0] += 1
        tally[1] += _int(total) == 0
    for code, tallies in days.items():
        per_lang[code].per_day = [
            Day(day=_date(day), searches=searches, zero_results=zero)
            for day, (searches, zero) in sorted(tallies.items())
        ]

    total = sum(report.searches for report in per_lang.values())
    events = store.rows("SELECT COUNT(*) FROM events WHERE at >= ?", (since,))[0][0]
    return Report(since=since, searches=total, events=_int(events), languages=per_lang)


def _priorities(
    index: TipLookup, lang: str, shown: dict[str, int], opened: dict[str, int]
) -> list[Priority]:
    found = []
    for tip_id in set(shown) | set(opened):
        record = index.tip(tip_id, lang)
        if record is None:  # no longer published
            continue
        translation = record.translation
        if translation.provenance in ("original", "editor") and not translation.outdated:
            continue
        seen, taken = shown.get(tip_id, 0), opened.get(tip_id, 0)
        found.append(
            Priority(
                tip_id=tip_id,
                provenance=translation.provenance,
                outdated=translation.outdated,
                demand=seen + taken,
                shown=seen,
                opened=taken,
                title=record.source.title,
            )
        )
    found.sort(key=lambda p: (-p.demand, -p.opened, p.tip_id))
    return found[:TOP]


def counted(n: int, one: str, many: str) -> str:
    """'1 search', '3 searches': for the report's summaries, on the page and the terminal."""
    return f"{n} {one if n == 1 else many}"


def _top(counts: dict[str, int]) -> list[TipCount]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP]
    return [TipCount(tip_id=tip_id, count=count) for tip_id, count in ranked]


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else int(str(value or 0))


def _date(day: int) -> str:
    import datetime as dt

    return (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()
