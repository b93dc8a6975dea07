"""The read side of a published version: search a language's index, fetch tips and articles.

One :class:`PublishedIndex` is opened per published version and shared; it holds the whoosh
indexes and one query parser per language, so a search does no set-up work.
"""

import html
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter
from whoosh import index as whoosh_index
from whoosh.collectors import Collector, FilterCollector, TopCollector
from whoosh.index import Index
from whoosh.qparser import (
    BoostPlugin,
    EveryPlugin,
    FieldsPlugin,
    MultifieldParser,
    OrGroup,
    RangePlugin,
    SingleQuotePlugin,
    WildcardPlugin,
)
from whoosh.query import Query, Term
from whoosh.searching import Results, Searcher

from pipeline.analysis import analyzer_for
from pipeline.index import original_field, original_fields
from pipeline.languages import INDEX_LANGS
from pipeline.publish import ARTICLES_FILE, PublishedVersion, current_version
from pipeline.schema import PublishedArticle, SearchHit, TipRecord

#: Documents matching more of the query's words rank higher (whoosh's scaled OR group).
OR_SCALE = 0.9
MAX_QUERY_CHARS = 500

_ARTICLES = TypeAdapter(list[PublishedArticle])


class NotPublished(Exception):
    """Nothing has been published in the data dir yet."""


@dataclass(frozen=True)
class SearchPage:
    query: str
    lang: str
    total: int
    limit: int
    offset: int
    results: list[SearchHit]

    def as_dict(self) -> dict[str, object]:
        return {
            "query": self.query,
            "lang": self.lang,
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "results": [hit.model_dump(mode="json") for hit in self.results],
        }


class PublishedIndex:
    """All language indexes of one published version, opened for reading."""

    def __init__(self, version: PublishedVersion) -> None:
        self.version = version
        self._indexes: dict[str, Index] = {
            lang: whoosh_index.open_dir(str(version.index_dir(lang)), readonly=True)
            for lang in INDEX_LANGS
        }
        self._parsers = {lang: _parser_for(lang, ix) for lang, ix in self._indexes.items()}
        self._searchers: dict[str, Searcher] = {}
        self._lock = threading.Lock()
        self.articles: dict[str, PublishedArticle] = {
            article.id: article
            for article in _ARTICLES.validate_json((version.path / ARTICLES_FILE).read_bytes())
        }

    @classmethod
    def open_current(cls, data_dir: Path) -> "PublishedIndex":
        version = current_version(data_dir)
        if version is None:
            raise NotPublished(f"no index is published in {data_dir}; run 'csguide ingest' first")
        return cls(version)

    def searcher(self, lang: str) -> Searcher:
        with self._lock:
            searcher = self._searchers.get(lang)
            if searcher is None:
                searcher = self._searchers[lang] = self._indexes[lang].searcher()
            return searcher

    def parse(self, query: str, lang: str) -> Query:
        return self._parsers[lang].parse(query)

    def search(
        self,
        query: str,
        lang: str,
        *,
        limit: int = 10,
        offset: int = 0,
        source_lang: str | None = None,
    ) -> SearchPage:
        """The best tips for ``query`` in ``lang``'s index, ``limit`` of them from ``offset``."""
        if lang not in self._indexes:
            raise ValueError(f"unsupported language {lang!r}")
        parsed = self.parse(query, lang)
        searcher = self.searcher(lang)
        restrict = Term("source_lang", source_lang) if source_lang else None
        results = _exact_top(searcher, parsed, offset + limit, restrict)
        terms = _terms_by_field(parsed)
        hits = []
        for hit in results[offset : offset + limit]:
            record = TipRecord.model_validate_json(hit["record"])
            field = "text" if record.lang == lang else original_field(record.lang)
            hits.append(
                SearchHit(
                    **record.model_dump(),
                    score=round(hit.score, 4),
                    highlight=highlight(record.text, record.lang, terms.get(field, set())),
                )
            )
        return SearchPage(query, lang, len(results), limit, offset, hits)

    def tip(self, tip_id: str, lang: str) -> TipRecord | None:
        stored = self.searcher(lang).document(id=tip_id)
        return TipRecord.model_validate_json(stored["record"]) if stored else None

    def close(self) -> None:
        with self._lock:
            for searcher in self._searchers.values():
                searcher.close()
            self._searchers.clear()
        for ix in self._indexes.values():
            ix.close()


def _exact_top(searcher: Searcher, query: Query, limit: int, restrict: Query | None) -> Results:
    """The top ``limit`` matches with exact scores.

    Whoosh's default collector swaps in "quality"-pruned matchers as its threshold rises; with
    OR across several fields that drops documents whose score is the sum of several fields,
    so the tips on a page depended on the page size. Exact scoring keeps paging stable.
    """
    collector: Collector = TopCollector(limit=limit, usequality=False, replace=0)
    if restrict is not None:
        collector = FilterCollector(collector, allow=restrict)
    searcher.search_with_collector(query, collector)
    return collector.results()


def _parser_for(lang: str, ix: Index) -> MultifieldParser:
    parser = MultifieldParser(
        ["title", "text", *original_fields(lang)], ix.schema, group=OrGroup.factory(OR_SCALE)
    )
    # Agents type words, not query syntax: no field:value, wildcards, ranges or boosts.
    for plugin in (
        FieldsPlugin,
        WildcardPlugin,
        RangePlugin,
        BoostPlugin,
        EveryPlugin,
        SingleQuotePlugin,
    ):
        parser.remove_plugin_class(plugin)
    return parser


def _terms_by_field(query: Query) -> dict[str, set[str]]:
    terms: dict[str, set[str]] = {}
    for field, text in query.iter_all_terms():
        terms.setdefault(field, set()).add(text if isinstance(text, str) else text.decode())
    return terms


def highlight(text: str, lang: str, terms: Iterable[str]) -> str:
    """``text`` HTML-escaped, with the words whose index terms are in ``terms`` in <mark>."""
    wanted = set(terms)
    spans: list[tuple[int, int]] = []
    if wanted:
        for token in analyzer_for(lang)(text, chars=True, mode="index"):
            if not token.stopped and token.text in wanted:
                if spans and token.startchar <= spans[-1][1]:  # overlapping (jieba search mode)
                    spans[-1] = (spans[-1][0], max(spans[-1][1], token.endchar))
                else:
                    spans.append((token.startchar, token.endchar))
    out, previous = [], 0
    for start, end in spans:
        out.append(html.escape(text[previous:start], quote=False))
        out.append(f"<mark>{html.escape(text[start:end], quote=False)}</mark>")
        previous = end
    out.append(html.escape(text[previous:], quote=False))
    return "".join(out)
