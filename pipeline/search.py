"""The read side of a published version: search a language's index, fetch tips and articles.

One :class:`PublishedIndex` is opened per published version and shared; it holds the whoosh
indexes and one query parser per language, so a search does no set-up work. Whoosh searchers
are not made for concurrent use, so each thread gets its own, kept for the version's lifetime.
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
    OperatorsPlugin,
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
        analyzer_for("zh")("预热")  # load jieba's dictionary now, not in the first zh request
        self._local = threading.local()
        self._searchers: list[Searcher] = []  # every thread's, to close them all
        self._lock = threading.Lock()
        self._closed = False
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
        """This thread's searcher for ``lang``."""
        mine: dict[str, Searcher] | None = getattr(self._local, "searchers", None)
        if mine is None:
            mine = self._local.searchers = {}
        searcher = mine.get(lang)
        if searcher is None:
            with self._lock:
                if self._closed:
                    raise RuntimeError(f"index version {self.version.name} is closed")
                searcher = mine[lang] = self._indexes[lang].searcher()
                self._searchers.append(searcher)
        return searcher

    def vocabulary_share(self, query: str, lang: str) -> float:
        """Share of the query's words that ``lang``'s own texts contain (0 to 1)."""
        terms = [t.text for t in analyzer_for(lang)(query) if not t.stopped]
        if not terms:
            return 0.0
        reader = self.searcher(lang).reader()
        known = sum(
            1
            for term in terms
            if reader.doc_frequency("text", term) or reader.doc_frequency("title", term)
        )
        return known / len(terms)

    def counts(self, lang: str) -> dict[str, int]:
        """How many tips ``lang``'s index holds, by provenance."""
        searcher = self.searcher(lang)
        return {
            provenance: searcher.doc_frequency("provenance", provenance)
            for provenance in ("original", "editor", "machine", "none")
        }

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
        query_lang: str | None = None,
    ) -> SearchPage:
        """The best tips for ``query``, ``limit`` of them from ``offset``, shown in ``lang``.

        ``query_lang``, when it differs from ``lang``, is the language the query is written in:
        it is matched in that language's index and the tips are returned in ``lang`` (an
        English query from an Italian-speaking caller gets the Italian texts of the tips the
        English words find).
        """
        for code in (lang, query_lang or lang):
            if code not in self._indexes:
                raise ValueError(f"unsupported language {code!r}")
        search_lang = query_lang or lang
        parsed = self.parse(query, search_lang)
        restrict = Term("source_lang", source_lang) if source_lang else None
        results = _exact_top(self.searcher(search_lang), parsed, offset + limit, restrict)
        terms = _terms_by_field(parsed if search_lang == lang else self.parse(query, lang))
        hits = []
        for hit in results[offset : offset + limit]:
            record = (
                TipRecord.model_validate_json(hit["record"])
                if search_lang == lang
                else self.tip(hit["id"], lang)
            )
            if record is None:
                continue
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
            self._closed = True
            for searcher in self._searchers:
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
    # Agents type words, not query syntax: no field:value, wildcards, ranges, boosts or
    # AND/OR/NOT ("customer NOT service" must not exclude). Quoted phrases still work.
    for plugin in (
        OperatorsPlugin,
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
