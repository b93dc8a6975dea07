"""The read side of a published version: search a language's index, fetch tips and articles.

One :class:`PublishedIndex` is opened per published version and shared; it holds the whoosh
indexes, each field's analyzer and one :class:`~pipeline.ranking.Ranker` per language, so a
search does no set-up work. Whoosh searchers are not made for concurrent use, so each thread
gets its own, kept for the version's lifetime.
"""

import html
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import TypeAdapter
from whoosh import index as whoosh_index
from whoosh.analysis import Analyzer
from whoosh.index import Index
from whoosh.searching import Searcher

from pipeline.analysis import analyzer_for
from pipeline.index import original_field
from pipeline.languages import CONTENT_LANGS, INDEX_LANGS
from pipeline.publish import ARTICLES_FILE, PublishedVersion, current_version
from pipeline.ranking import QueryTerm, Ranker
from pipeline.schema import PublishedArticle, SearchHit, TipRecord

#: Tips kept read and validated per version (a few KB each).
RECORD_CACHE = 4_096

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
        # The fields each analyzer indexed: the tip's own title and text, and each original
        # language's field, so that a query is analyzed once per language, not per field.
        # The analyzers are the index's own (from its schema), as it was built.
        self._fields: dict[str, list[tuple[Analyzer, tuple[str, ...]]]] = {
            lang: [
                (ix.schema["text"].analyzer, ("title", "text")),
                *(
                    (ix.schema[original_field(source)].analyzer, (original_field(source),))
                    for source in CONTENT_LANGS
                    if original_field(source) in ix.schema
                ),
            ]
            for lang, ix in self._indexes.items()
        }
        # Load jieba's dictionary now, not in the first Chinese request (analyzers are lazy
        # generators: only consuming the tokens runs them).
        list(analyzer_for("zh")("预热"))
        self._local = threading.local()
        self._searchers: list[Searcher] = []  # every thread's, to close them all
        self._lock = threading.Lock()
        self._closed = False
        # Stored records are read and validated once per version: the tips that come up, come
        # up again and again (whatever the query), and reading one costs more than ranking.
        self._record = lru_cache(maxsize=RECORD_CACHE)(self._read_record)
        self._rankers = {
            lang: Ranker.open(lambda lang=lang: self.searcher(lang), version.index_dir(lang))
            for lang in self._indexes
        }
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

    def ranker(self, lang: str) -> Ranker:
        return self._rankers[lang]

    def vocabulary_share(self, query: str, lang: str) -> float:
        """Share of the query's words that ``lang``'s own texts contain (0 to 1)."""
        terms = [t.text for t in analyzer_for(lang)(query) if not t.stopped]
        if not terms:
            return 0.0
        indexed = self._rankers[lang].table.slots  # every (field, term) with a posting
        known = sum(1 for term in terms if ("text", term) in indexed or ("title", term) in indexed)
        return known / len(terms)

    def counts(self, lang: str) -> dict[str, int]:
        """How many tips ``lang``'s index holds, by provenance."""
        searcher = self.searcher(lang)
        return {
            provenance: searcher.doc_frequency("provenance", provenance)
            for provenance in ("original", "editor", "machine", "none")
        }

    def terms(self, query: str, lang: str) -> list[QueryTerm]:
        """The query as it is matched: every word, analyzed for each field, OR-ed together.

        Agents type words, not syntax, so no query parser is involved (whoosh's took a
        millisecond a search): field:value, wildcards, AND/OR/NOT and quotes are just words.
        """
        terms: dict[QueryTerm, None] = {}  # ordered and distinct
        for analyzer, fields in self._fields[lang]:
            for token in analyzer(query, mode="query"):
                if not token.stopped:
                    terms[(fields, token.text)] = None
        return list(terms)

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
        terms = self.terms(query, search_lang)
        ranked = self._rankers[search_lang].rank(
            terms,
            offset + limit,
            within=("source_lang", source_lang) if source_lang else None,
        )
        marked = _terms_by_field(terms if search_lang == lang else self.terms(query, lang))
        hits = []
        for docnum, score in zip(ranked.docnums[offset:], ranked.scores[offset:], strict=True):
            record = self._record(search_lang, docnum)
            if search_lang != lang:
                record = self.tip(record.id, lang)
                if record is None:
                    continue
            field = "text" if record.lang == lang else original_field(record.lang)
            hits.append(
                # The record is validated (and frozen) already: its fields are reused as they
                # are, not dumped and validated again for every hit.
                SearchHit.model_construct(
                    **dict(record),
                    score=round(score, 4),
                    highlight=highlight(record.text, record.lang, marked.get(field, set())),
                )
            )
        return SearchPage(query, lang, ranked.total, limit, offset, hits)

    def _read_record(self, lang: str, docnum: int) -> TipRecord:
        return TipRecord.model_validate_json(self.searcher(lang).stored_fields(docnum)["record"])

    def tip(self, tip_id: str, lang: str) -> TipRecord | None:
        docnum = self.searcher(lang).document_number(id=tip_id)
        return None if docnum is None else self._record(lang, docnum)

    def __enter__(self) -> "PublishedIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for searcher in self._searchers:
                searcher.close()
            self._searchers.clear()
        for ix in self._indexes.values():
            ix.close()
        # Let go of the mapped score files and cached records now: the rankers' searcher
        # callbacks and the record cache refer back to this object, so without this they
        # would wait for a full garbage collection.
        self._rankers.clear()
        self._record.cache_clear()


def _terms_by_field(terms: Iterable[QueryTerm]) -> dict[str, set[str]]:
    by_field: dict[str, set[str]] = {}
    for fields, text in terms:
        for field in fields:
            by_field.setdefault(field, set()).add(text)
    return by_field


@lru_cache(maxsize=2_000)
def _token_spans(text: str, lang: str) -> tuple[tuple[str, int, int], ...]:
    """(index term, start, end) of every word of a tip's text: the same for every query, so
    kept for the tips that come up again and again."""
    return tuple(
        (token.text, token.startchar, token.endchar)
        for token in analyzer_for(lang)(text, chars=True, mode="index")
        if not token.stopped
    )


def highlight(text: str, lang: str, terms: Iterable[str]) -> str:
    """``text`` HTML-escaped, with the words whose index terms are in ``terms`` in <mark>."""
    wanted = set(terms)
    spans: list[tuple[int, int]] = []
    if wanted:
        for term, start, end in _token_spans(text, lang):
            if term in wanted:
                if spans and start <= spans[-1][1]:  # overlapping (jieba search mode)
                    spans[-1] = (spans[-1][0], max(spans[-1][1], end))
                else:
                    spans.append((start, end))
    out, previous = [], 0
    for start, end in spans:
        out.append(html.escape(text[previous:start], quote=False))
        out.append(f"<mark>{html.escape(text[start:end], quote=False)}</mark>")
        previous = end
    out.append(html.escape(text[previous:], quote=False))
    return "".join(out)
