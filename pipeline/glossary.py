"""The editors' glossary: concepts, each with its terms in every language.

``content/glossary.yaml`` (the bundled file's header explains it to editors)::

    concepts:
      - id: refund
        terms:
          lv: [atmaksa, naudas atmaksa]
          it: [rimborso]
          zh: [退款]
          ru: [возврат денег]
          en: [refund, money back]

A query term found in the glossary also searches its concept's other terms, in every language
(with a lower weight than the word typed; that part is the search's). Ingest reads the file
with :func:`read_glossary`, which never raises for bad content: every entry it cannot use is a
:class:`~pipeline.schema.FileProblem` that names the concept and the reason, and the rest is
used. The cleaned glossary is published with each index version (``glossary.json``, read back
with :func:`load_published_glossary`), so a rollback serves the glossary of its version.

Terms are compared, stored and looked up normalised (:func:`normalise_term`): Unicode NFC, runs
of whitespace as one space, lowercase. A term is unique within its language: the same term in
two concepts of one language would make its meaning ambiguous, so the first one keeps it.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from pipeline.languages import INDEX_LANGS, Lang
from pipeline.load import RejectedFile, decode_article
from pipeline.publish import GLOSSARY_FILE, PublishError
from pipeline.schema import FileProblem

#: The editors' glossary, in the content dir.
GLOSSARY_SOURCE = "glossary.yaml"
#: Larger glossary files are not read (like articles, a runaway file must not stall ingest).
GLOSSARY_MAX_BYTES = 1024 * 1024

# Concept ids: one word of letters (any script), digits, '-', '_' or '.'.
_ID = re.compile(r"^\w[\w.-]*$")
# Several terms written as one ("refund, money back") instead of as a list.
_SEPARATORS = (",", ";", "，", "、", "；")
_NULL_TAG = "tag:yaml.org,2002:null"


def normalise_term(text: str) -> str:
    """A term or query word as the glossary compares it: NFC, whitespace collapsed, lowercase."""
    return unicodedata.normalize("NFC", " ".join(text.split()).lower())


class Concept(BaseModel):
    """One concept: its id and its terms per language (normalised, in the editors' order)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    terms: dict[Lang, tuple[str, ...]]

    def all_terms(self) -> list[tuple[Lang, str]]:
        """Every (language, term) of the concept, languages in index order."""
        return [(lang, term) for lang in INDEX_LANGS for term in self.terms.get(lang, ())]


class Glossary(BaseModel):
    """The concepts ingest published; empty when there is no glossary."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal[1] = 1
    concepts: tuple[Concept, ...] = ()

    _by_id: dict[str, Concept] = PrivateAttr(default_factory=dict)
    _by_term: dict[str, dict[str, Concept]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _index(self) -> Self:
        by_id: dict[str, Concept] = {}
        by_term: dict[str, dict[str, Concept]] = {lang: {} for lang in INDEX_LANGS}
        for concept in self.concepts:
            if concept.id in by_id:
                raise ValueError(f"concept id {concept.id!r} is used twice")
            by_id[concept.id] = concept
            for lang, term in concept.all_terms():
                if not term or term != normalise_term(term):
                    raise ValueError(f"concept {concept.id!r}: {lang} term {term!r} is not clean")
                if term in by_term[lang]:
                    raise ValueError(f"{lang} term {term!r} is in two concepts")
                by_term[lang][term] = concept
        self._by_id, self._by_term = by_id, by_term
        return self

    def concept(self, concept_id: str) -> Concept | None:
        return self._by_id.get(concept_id)

    def lookup(self, term: str, lang: str) -> Concept | None:
        """The concept ``term`` (any case or spacing) belongs to in ``lang``, if any."""
        return self._by_term.get(lang, {}).get(normalise_term(term))

    def find(self, term: str) -> list[tuple[Lang, Concept]]:
        """Every language in which ``term`` is a glossary term, with its concept (a word can be
        a term in several languages, e.g. "feedback" in it and en)."""
        key = normalise_term(term)
        return [
            (lang, self._by_term[lang][key]) for lang in INDEX_LANGS if key in self._by_term[lang]
        ]

    def terms(self, lang: str) -> dict[str, Concept]:
        """Term → concept for one language (a copy)."""
        return dict(self._by_term.get(lang, {}))

    @property
    def term_count(self) -> int:
        return sum(len(concept.all_terms()) for concept in self.concepts)

    def fingerprint(self) -> str:
        """sha256 of the published form: equal fingerprints, equal glossaries."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


@dataclass(frozen=True)
class GlossaryLoad:
    """What :func:`read_glossary` found."""

    glossary: Glossary = field(default_factory=Glossary)
    problems: list[FileProblem] = field(default_factory=list)
    found: bool = False  # the file exists
    #: False when the file as a whole could not be used (unreadable, not UTF-8, not YAML, not a
    #: glossary): nothing in it is used, and ingest keeps serving the last published glossary.
    usable: bool = True


def load_glossary(path: Path) -> tuple[Glossary, list[FileProblem]]:
    """The glossary at ``path`` and the problems of the entries that could not be used (each
    naming the file, the concept and the reason); no file is an empty glossary."""
    loaded = read_glossary(path)
    return loaded.glossary, loaded.problems


def read_glossary(
    path: Path, name: str | None = None, max_bytes: int = GLOSSARY_MAX_BYTES
) -> GlossaryLoad:
    """Read and check a glossary file; never raises for bad content. ``name`` is how problems
    name the file (default: its file name, i.e. its path relative to the content dir)."""
    name = name or path.name
    if not path.exists() and not path.is_symlink():
        return GlossaryLoad()
    try:
        text = decode_article(_read_bytes(path, max_bytes))
    except RejectedFile as exc:
        return _unusable(name, str(exc))
    return parse_glossary(text, name)


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        if not path.is_file():
            raise RejectedFile("not a regular file")
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise RejectedFile(f"unreadable: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise RejectedFile(f"too large: over the limit of {max_bytes} bytes")
    return raw


def _unusable(name: str, reason: str) -> GlossaryLoad:
    problem = FileProblem(path=name, reason=f"{reason}; nothing in the file is used")
    return GlossaryLoad(problems=[problem], found=True, usable=False)


def parse_glossary(text: str, name: str = GLOSSARY_SOURCE) -> GlossaryLoad:
    """Check a glossary's text; see :func:`read_glossary`."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()  # nodes only: values are read as the editor wrote them
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = exc.problem or str(exc).splitlines()[0]
        return _unusable(name, f"not valid YAML{where}: {what}")
    except yaml.YAMLError as exc:
        return _unusable(name, f"not valid YAML: {str(exc).splitlines()[0]}")
    except RecursionError:
        return _unusable(name, "not valid YAML: nested too deeply")
    finally:
        loader.dispose()
    return _Checker(name).check(root)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _text(node: yaml.Node | None) -> str | None:
    """A scalar's text as written (``no``, ``1:1`` and ``24/7`` stay text); None for an empty
    value, a list or a mapping."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL_TAG:
        return None
    return str(node.value)


class _Checker:
    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[FileProblem] = []
        #: (lang, term) → (concept id, line) of the concept that has it
        self.owners: dict[tuple[str, str], tuple[str, int]] = {}

    def problem(self, reason: str) -> None:
        self.problems.append(FileProblem(path=self.name, reason=reason))

    def check(self, root: yaml.Node | None) -> GlossaryLoad:
        if root is None:  # an empty file: an empty glossary
            return GlossaryLoad(found=True)
        if not isinstance(root, yaml.MappingNode):
            return _unusable(self.name, "must be a YAML mapping with a 'concepts:' list")
        fields, issues = self.mapping(root, ("concepts",))
        for issue in issues:
            self.problem(f"the glossary: {issue}")
        listed = fields.get("concepts")
        if listed is None:
            return _unusable(self.name, "has no 'concepts:' list")
        if isinstance(listed, yaml.ScalarNode) and _text(listed) is None:  # 'concepts:' alone
            return GlossaryLoad(problems=self.problems, found=True)
        if not isinstance(listed, yaml.SequenceNode):
            return _unusable(
                self.name, f"'concepts:' (line {_line(listed)}) must be a list of concepts"
            )
        concepts: list[Concept] = []
        seen_ids: dict[str, int] = {}
        for number, node in enumerate(listed.value, start=1):
            concept = self.concept(number, node, seen_ids)
            if concept is not None:
                concepts.append(concept)
        return GlossaryLoad(Glossary(concepts=tuple(concepts)), self.problems, found=True)

    def mapping(
        self, node: yaml.MappingNode, known: tuple[str, ...]
    ) -> tuple[dict[str, yaml.Node], list[str]]:
        """Key → value node of a mapping, and what is wrong with its keys (unknown ones are
        ignored, of a repeated one the first is used)."""
        found: dict[str, yaml.Node] = {}
        lines: dict[str, int] = {}
        issues: list[str] = []
        for key_node, value_node in node.value:
            key = (_text(key_node) or "").strip()
            if key not in known:
                issues.append(
                    f"unknown key '{key}' (line {_line(key_node)}) ignored; "
                    f"expected {', '.join(known)}"
                )
            elif key in found:
                issues.append(
                    f"'{key}' is given twice (lines {lines[key]} and {_line(key_node)}); "
                    "the first is used"
                )
            else:
                found[key], lines[key] = value_node, _line(key_node)
        return found, issues

    def concept(self, number: int, node: yaml.Node, seen_ids: dict[str, int]) -> Concept | None:
        line = _line(node)
        label = f"concept #{number} (line {line})"
        if not isinstance(node, yaml.MappingNode):
            self.problem(f"{label}: not a concept (expected 'id:' and 'terms:'); not used")
            return None
        fields, issues = self.mapping(node, ("id", "terms"))
        concept_id = (_text(fields.get("id")) or "").strip()
        concept_id = unicodedata.normalize("NFC", concept_id)
        if concept_id and _ID.match(concept_id):
            label = f"concept '{concept_id}' (line {line})"
        for issue in issues:  # named once the concept's label is known
            self.problem(f"{label}: {issue}")
        if not concept_id:
            self.problem(f"{label}: has no id; not used")
            return None
        if not _ID.match(concept_id):
            self.problem(
                f"{label}: id '{concept_id}' is not one word (use letters, digits, '-', '_' "
                "or '.', e.g. 'hold-music'); not used"
            )
            return None
        if concept_id in seen_ids:
            self.problem(
                f"{label}: the same id as the concept at line {seen_ids[concept_id]}; not used"
            )
            return None
        seen_ids[concept_id] = line
        terms_node = fields.get("terms")
        if terms_node is None or (isinstance(terms_node, yaml.ScalarNode) and not terms_node.value):
            self.problem(f"{label}: has no terms; not used")
            return None
        if not isinstance(terms_node, yaml.MappingNode):
            self.problem(
                f"{label}: 'terms:' must map languages to terms, e.g. 'en: [refund, money back]'; "
                "not used"
            )
            return None
        terms = self.terms(concept_id, line, label, terms_node)
        if not terms:
            self.problem(f"{label}: has no usable terms; not used")
            return None
        ordered = {lang: tuple(terms[lang]) for lang in INDEX_LANGS if lang in terms}
        return Concept(id=concept_id, terms=ordered)

    def terms(
        self, concept_id: str, line: int, label: str, node: yaml.MappingNode
    ) -> dict[str, list[str]]:
        terms: dict[str, list[str]] = {}
        lang_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            lang = (_text(key_node) or "").strip().lower()
            if lang not in INDEX_LANGS:
                self.problem(
                    f"{label}: unknown language '{lang}' (line {_line(key_node)}; use "
                    f"{', '.join(INDEX_LANGS)}); its terms are not used"
                )
                continue
            if lang in lang_lines:
                self.problem(
                    f"{label}: {lang} is given twice (lines {lang_lines[lang]} and "
                    f"{_line(key_node)}); the terms of both are used"
                )
            lang_lines.setdefault(lang, _line(key_node))
            items = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for item in items:
                term = self.term(concept_id, line, label, lang, item)
                if term is not None:
                    terms.setdefault(lang, []).append(term)
        return terms

    def term(
        self, concept_id: str, line: int, label: str, lang: str, node: yaml.Node
    ) -> str | None:
        where = _line(node)
        if not isinstance(node, yaml.ScalarNode):
            kind = "list" if isinstance(node, yaml.SequenceNode) else "mapping"
            self.problem(f"{label}: {lang} term on line {where} is a {kind}, not text; not used")
            return None
        raw = _text(node)
        if raw is None or not raw.strip():
            self.problem(f"{label}: {lang} term on line {where} is empty; not used")
            return None
        term = normalise_term(raw)
        if any(separator in term for separator in _SEPARATORS):
            self.problem(
                f"{label}: {lang} term '{term}' (line {where}) looks like several terms in one; "
                "write each as an item of the list, e.g. [hold music, waiting music]; not used"
            )
            return None
        owner = self.owners.get((lang, term))
        if owner is not None:
            other_id, other_line = owner
            if other_id == concept_id:
                lines = f"line {where}" if other_line == where else f"lines {other_line}, {where}"
                self.problem(
                    f"{label}: {lang} term '{term}' is listed twice ({lines}); one is kept"
                )
            else:
                self.problem(
                    f"{label}: {lang} term '{term}' (line {where}) is already a term of concept "
                    f"'{other_id}' (line {other_line}); kept there, not used here"
                )
            return None
        self.owners[(lang, term)] = (concept_id, where)
        return term


def load_published_glossary(version_path: Path) -> Glossary:
    """The glossary published with the index version in ``version_path`` (a
    ``PublishedVersion.path``); empty for versions published before glossaries were.

    Raises :class:`~pipeline.publish.PublishError` when the file is there but unreadable.
    """
    path = version_path / GLOSSARY_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Glossary()
    except OSError as exc:
        raise PublishError(f"{path} is unreadable: {exc.strerror or exc}") from exc
    try:
        return Glossary.model_validate_json(raw)
    except (ValidationError, ValueError) as exc:
        raise PublishError(f"{path} is not a valid glossary: {exc}") from exc
