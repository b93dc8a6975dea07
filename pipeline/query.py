"""The query service: one answer to a search, for the HTTP route and the command line alike.

It decides the answer language (the ``lang`` asked for, the API key's, Accept-Language, the
query's own, the default: :func:`pipeline.query_language.negotiate`), notes the language the
query reads as, and asks the published index for the page. The route and ``csguide search``
only parse their inputs and print this, so the same inputs give the same records.
"""

from dataclasses import dataclass
from functools import cached_property

from pydantic_core import to_json

from pipeline.languages import Lang
from pipeline.query_language import LangSource, detect_query_language, negotiate
from pipeline.schema import SearchHit
from pipeline.search import Found, PublishedIndex, search_hits
from pipeline.settings import Settings


@dataclass(frozen=True)
class SearchAnswer:
    query: str
    #: The language the query reads as (reported only: every word is matched in every
    #: language); the answer language when the query says nothing clear.
    query_lang: str
    answer_lang: str
    lang_source: LangSource
    total: int
    limit: int
    offset: int
    found: tuple[Found, ...]
    #: When nothing matched: the nearest query the index does answer ("Did you mean …").
    suggestion: str | None = None

    @cached_property
    def results(self) -> list[SearchHit]:
        """The results as the schema's hits (made on first use)."""
        return search_hits(self.found)

    def _page_fields(self) -> dict[str, object]:
        """The response's fields before ``results``, in its order."""
        return {
            "query": self.query,
            "query_lang": self.query_lang,
            "answer_lang": self.answer_lang,
            "lang_source": self.lang_source,
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
        }

    def response_json(self) -> bytes:
        """The response of ``GET /v1/search`` as JSON bytes, ``search_id`` null: the same
        bytes as the response model would serialise (tests/api/test_search.py checks it),
        joined from each record's JSON, made once per record, instead of serialising every
        hit's fields for every search."""
        head = to_json(self._page_fields())
        hits = b",".join(
            b'%b,"score":%b,"highlight":%b}' % (f.tip.json, to_json(f.score), to_json(f.highlight))
            for f in self.found
        )
        return b'%b,"results":[%b],"suggestion":%b,"search_id":null}' % (
            head[:-1],
            hits,
            to_json(self.suggestion),
        )

    def as_dict(self) -> dict[str, object]:
        """The response of ``GET /v1/search``, field for field."""
        return {
            **self._page_fields(),
            "results": [hit.model_dump(mode="json") for hit in self.results],
            "suggestion": self.suggestion,
            "search_id": None,  # the command line's searches are not recorded
        }


def answer_search(
    index: PublishedIndex,
    settings: Settings,
    query: str,
    *,
    lang: str | None = None,
    key_lang: Lang | None = None,
    accept_language: str | None = None,
    limit: int = 10,
    offset: int = 0,
    source_lang: str | None = None,
) -> SearchAnswer:
    """The best tips for ``query`` in the negotiated language; raises
    :class:`pipeline.query_language.UnsupportedLanguage` for a ``lang`` that is not ours."""

    def lexicon(code: str, text: str) -> float:
        return index.vocabulary_share(text, code)

    negotiated = negotiate(
        param=lang,
        key_lang=key_lang,
        accept_language=accept_language,
        query=query,
        default=settings.default_lang,
        lexicon=lexicon,
        min_confidence=settings.detect_min_confidence,
    )
    query_lang = negotiated.lang
    if negotiated.source != "detected":  # the caller's language need not be the query's
        detected = detect_query_language(query, lexicon, settings.detect_min_confidence)
        query_lang = detected.lang or negotiated.lang
    page = index.search(query, negotiated.lang, limit=limit, offset=offset, source_lang=source_lang)
    return SearchAnswer(
        query=query,
        query_lang=query_lang,
        answer_lang=negotiated.lang,
        lang_source=negotiated.source,
        total=page.total,
        limit=limit,
        offset=offset,
        found=page.found,
        suggestion=page.suggestion,
    )
