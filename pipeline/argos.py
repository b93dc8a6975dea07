"""Argos Translate models, run on CTranslate2 + SentencePiece directly.

An ``.argosmodel`` file is a zip of one folder holding ``metadata.json`` (from_code, to_code,
package_version, optional target_prefix), ``model/`` (a CTranslate2 model) and
``sentencepiece.model``. That is all Argos itself runs; we read the format here rather than
import ``argostranslate``, whose translate module imports stanza (and so torch, several GB) at
import time, and whose settings module creates folders in the user's home on import.

Models load lazily, once per process, on the first translation that needs them.
"""

import json
import os
import re
import shutil
import threading
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.sentences import REVISION as SENTENCES_REVISION
from pipeline.sentences import join_sentences, split_sentences
from pipeline.translator import Translated

ENGINE = "argos-ctranslate2"
#: Bumped whenever decoding changes what a model's output becomes. 2: target pieces joined as
#: Argos does (the OPUS-MT ports kept '▁'), beam 4, per-sentence problems reported.
DECODING_REVISION = 2
PIVOT = "en"
_PACKAGE_DIR = re.compile(r"^[a-z]{2,3}_[a-z]{2,3}-[\w.]+$")


class ModelPackageError(Exception):
    """A model package that cannot be installed or used; the message says why."""


@dataclass(frozen=True)
class ModelPackage:
    from_code: str
    to_code: str
    version: str
    path: Path
    target_prefix: str = ""
    name: str = ""

    @property
    def label(self) -> str:
        return f"argos:{self.from_code}-{self.to_code}@{self.version}"

    @property
    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def read_package(path: Path) -> ModelPackage:
    """Check an unpacked package folder and read its metadata."""
    try:
        metadata: Any = json.loads((path / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelPackageError(f"{path.name}: no readable metadata.json") from exc
    if not isinstance(metadata, dict):
        raise ModelPackageError(f"{path.name}: metadata.json is not an object")
    from_code, to_code = metadata.get("from_code"), metadata.get("to_code")
    if not isinstance(from_code, str) or not isinstance(to_code, str):
        raise ModelPackageError(f"{path.name}: metadata.json lacks from_code/to_code")
    if metadata.get("type", "translate") != "translate":
        raise ModelPackageError(f"{path.name}: not a translation package")
    if not (path / "model" / "model.bin").is_file():
        raise ModelPackageError(f"{path.name}: no CTranslate2 model (model/model.bin)")
    if not (path / "sentencepiece.model").is_file():
        if (path / "bpe.model").is_file():
            raise ModelPackageError(f"{path.name}: BPE-tokenized packages are not supported")
        raise ModelPackageError(f"{path.name}: no sentencepiece.model")
    return ModelPackage(
        from_code=from_code,
        to_code=to_code,
        version=str(metadata.get("package_version", "0")),
        path=path,
        target_prefix=str(metadata.get("target_prefix", "") or ""),
        name=str(metadata.get("name", "")),
    )


def installed_packages(models_dir: Path) -> list[ModelPackage]:
    """Installed packages, the newest version of each pair only, sorted by pair."""
    newest: dict[tuple[str, str], ModelPackage] = {}
    if models_dir.is_dir():
        for entry in sorted(models_dir.iterdir()):
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            try:
                package = read_package(entry)
            except ModelPackageError:
                continue
            key = (package.from_code, package.to_code)
            if key not in newest or version_key(package.version) > version_key(newest[key].version):
                newest[key] = package
    return [newest[key] for key in sorted(newest)]


def install_package(archive: Path, models_dir: Path) -> ModelPackage:
    """Install an ``.argosmodel`` file: check it, unpack it beside the others, load-test it.

    The package lands in ``<models_dir>/<from>_<to>-<version>/``; an existing copy of the same
    version is replaced only once the new one is complete.
    """
    return install_packages([archive], models_dir)[0]


def install_packages(archives: Sequence[Path], models_dir: Path) -> list[ModelPackage]:
    """Install several ``.argosmodel`` files, all or none: every one is unpacked and
    load-tested before the first is moved into place."""
    models_dir.mkdir(parents=True, exist_ok=True)
    for leftover in [*models_dir.glob(".install-*"), *models_dir.glob(".old-*")]:
        shutil.rmtree(leftover, ignore_errors=True)  # from an install that was killed
    staged: list[tuple[Path, ModelPackage]] = []
    try:
        for archive in archives:
            staging = models_dir / f".install-{uuid.uuid4().hex}"
            staged.append((staging, _stage(archive, staging)))
        return [_move_into_place(package, models_dir) for _, package in staged]
    finally:
        for staging, _ in staged:
            shutil.rmtree(staging, ignore_errors=True)


def _stage(archive: Path, staging: Path) -> ModelPackage:
    """Unpack ``archive`` under ``staging`` and check that its model loads."""
    if not archive.is_file():
        raise ModelPackageError(f"{archive}: no such file")
    if not zipfile.is_zipfile(archive):
        raise ModelPackageError(f"{archive.name}: not an .argosmodel (zip) file")
    try:
        with zipfile.ZipFile(archive) as bundle:
            top = _single_top_folder(bundle, archive.name)
            bundle.extractall(staging)
        package = read_package(staging / top)
        if not _PACKAGE_DIR.match(_installed_name(package)):
            raise ModelPackageError(f"{archive.name}: unusable codes or version in metadata.json")
        _load_test(package)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return package


def _installed_name(package: ModelPackage) -> str:
    return f"{package.from_code}_{package.to_code}-{package.version}"


def _move_into_place(package: ModelPackage, models_dir: Path) -> ModelPackage:
    target = models_dir / _installed_name(package)
    old = None
    if target.exists():
        old = target.with_name(f".old-{uuid.uuid4().hex}")
        os.rename(target, old)
    os.rename(package.path, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return read_package(target)


def _single_top_folder(bundle: zipfile.ZipFile, name: str) -> str:
    tops = set()
    for member in bundle.namelist():
        parts = PurePosixPath(member).parts
        if not parts or member.startswith("/") or ".." in parts:
            raise ModelPackageError(f"{name}: unsafe path in archive: {member!r}")
        tops.add(parts[0])
    if len(tops) != 1:
        raise ModelPackageError(f"{name}: expected one folder in the archive, found {len(tops)}")
    return tops.pop()


def _load_test(package: ModelPackage) -> None:
    try:
        ArgosTranslator.load_models(package, threads=1)
    except Exception as exc:  # CTranslate2 and SentencePiece raise RuntimeError, OSError, …
        raise ModelPackageError(f"{package.path.name}: the model does not load: {exc}") from exc


@dataclass
class _Loaded:
    translator: Any  # ctranslate2.Translator
    tokenizer: Any  # sentencepiece.SentencePieceProcessor
    unk: str  # the model's unknown token


#: SentencePiece's byte-fallback pieces (``<0xE2>``): models trained with byte fallback spell
#: rare characters as runs of them.
_BYTE_PIECE = re.compile(r"<0x([0-9A-Fa-f]{2})>")
_SPACE_MARK = "\u2581"  # "▁", SentencePiece's word-boundary marker


def detokenize(pieces: Sequence[str]) -> str:
    """Target pieces back to text, as Argos Translate does: join them, "▁" becomes a space, the
    leading space goes; runs of byte pieces are decoded as UTF-8.

    The package's SentencePiece model cannot be used for this: OPUS-MT ports ship only the
    *source* side's model, and decoding target pieces with it keeps every "▁". Unlike upstream,
    "_" is left alone: it is real text (file names, codes), not a space marker.
    """
    out: list[str] = []
    raw = bytearray()
    for piece in pieces:
        byte = _BYTE_PIECE.fullmatch(piece)
        if byte is not None:
            raw.append(int(byte.group(1), 16))
            continue
        if raw:
            out.append(raw.decode("utf-8", errors="replace"))
            raw.clear()
        out.append(piece)
    if raw:
        out.append(raw.decode("utf-8", errors="replace"))
    text = "".join(out).replace(_SPACE_MARK, " ")
    return text[1:] if text.startswith(" ") else text


def _unknown_token(package: ModelPackage) -> str:
    """The model's unknown token, from its config.json (CTranslate2 3+); "<unk>" before."""
    try:
        config = json.loads((package.path / "model" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "<unk>"
    token = config.get("unk_token") if isinstance(config, dict) else None
    return token if isinstance(token, str) else "<unk>"


def decoding_cap(source_tokens: int) -> int:
    """Output pieces allowed for sentences of up to ``source_tokens`` pieces: well past any sane
    translation (which the output check also holds to 3 × the source's length), so only a model
    that runs on or loops reaches it, and what reaches it is reported, never shown."""
    return 3 * source_tokens + 32


@dataclass
class ArgosTranslator:
    """:class:`pipeline.translator.Translator` on installed Argos packages, pivoting through
    English when no direct pair is installed.

    Decoding follows Argos Translate's own settings where they matter for quality: beam 4,
    length penalty 0.2, unknown target tokens replaced by the source token they attend to.
    """

    models_dir: Path
    threads: int = 2
    beam_size: int = 4
    batch_size: int = 32
    #: Output pieces allowed for the sentences of a batch, by the longest one's pieces.
    cap: Callable[[int], int] = decoding_cap
    #: Stored with every translation: the translation memory reuses a translation only when
    #: this and the model version are unchanged, so a change of decoding, beam or sentence
    #: splitting has what it would make differently made again.
    engine: str = field(default=ENGINE, init=False)
    model_calls: int = 0
    _packages: dict[tuple[str, str], ModelPackage] = field(default_factory=dict, init=False)
    _loaded: dict[Path, _Loaded] = field(default_factory=dict, init=False)
    # First legs of pivot routes, kept for the translator's life: it→lv, it→ru and it→zh all
    # start with the same it→en translation of the same texts.
    _first_leg: dict[tuple[Path, str], Translated] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self._packages = {(p.from_code, p.to_code): p for p in installed_packages(self.models_dir)}
        self.engine = (
            f"{ENGINE}/{DECODING_REVISION} beam {self.beam_size} sentences {SENTENCES_REVISION}"
        )

    @property
    def packages(self) -> list[ModelPackage]:
        return list(self._packages.values())

    def route(self, source: str, target: str) -> list[ModelPackage] | None:
        direct = self._packages.get((source, target))
        if direct is not None:
            return [direct]
        first, second = self._packages.get((source, PIVOT)), self._packages.get((PIVOT, target))
        if first is not None and second is not None:
            return [first, second]
        return None

    def model_for(self, source: str, target: str) -> str | None:
        route = self.route(source, target)
        return "+".join(package.label for package in route) if route else None

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        route = self.route(source, target)
        if route is None:
            raise ModelPackageError(f"no model installed for {source}→{target}")
        first, rest = route[0], route[1:]
        if not rest:
            return list(self._translate_with(first, list(texts)))
        todo = sorted({t for t in texts if (first.path, t) not in self._first_leg})
        for text, output in zip(todo, self._translate_with(first, todo), strict=True):
            self._first_leg[(first.path, text)] = output
        legs = [self._first_leg[(first.path, t)] for t in texts]
        current = legs
        for package in rest:
            current = self._translate_with(package, list(current))
        # What went wrong on the way through English stays with the translation.
        return [
            Translated(final, leg.problem or final.problem)
            for leg, final in zip(legs, current, strict=True)
        ]

    @staticmethod
    def load_models(package: ModelPackage, threads: int) -> _Loaded:
        import ctranslate2  # imported here: only processes that translate pay for it
        import sentencepiece

        translator = ctranslate2.Translator(
            str(package.path / "model"), device="cpu", inter_threads=1, intra_threads=threads
        )
        tokenizer = sentencepiece.SentencePieceProcessor(
            model_file=str(package.path / "sentencepiece.model")
        )
        return _Loaded(translator, tokenizer, _unknown_token(package))

    def _models(self, package: ModelPackage) -> _Loaded:
        with self._lock:
            loaded = self._loaded.get(package.path)
            if loaded is None:
                loaded = self._loaded[package.path] = self.load_models(package, self.threads)
            return loaded

    def _translate_with(self, package: ModelPackage, texts: list[str]) -> list[Translated]:
        """Every sentence of every text, in length-sorted batches, then put back line by line;
        a text with a sentence that ran to the cap or came out empty says so."""
        if not texts:
            return []
        models = self._models(package)
        layouts = [split_sentences(text, package.from_code) for text in texts]
        sentences = [s for lines in layouts for line in lines for s in line]
        tokens = [models.tokenizer.encode(s, out_type=str) for s in sentences]
        pieces, capped = self._decode(package, models, tokens, self.cap)
        outputs = [detokenize(p).strip() for p in pieces]
        problems = [
            "a sentence ran to the decoding cap"
            if cut
            else "a sentence came out empty"
            if not output
            else None
            for cut, output in zip(capped, outputs, strict=True)
        ]
        done = iter(zip(outputs, problems, strict=True))
        translated = []
        for lines in layouts:
            parts = [[next(done) for _ in line] for line in lines]
            text = join_sentences([[out for out, _ in line] for line in parts], package.to_code)
            problem = next((why for line in parts for _, why in line if why), None)
            translated.append(Translated(text, problem))
        return translated

    def _decode(
        self,
        package: ModelPackage,
        models: _Loaded,
        tokens: list[list[str]],
        cap: Callable[[int], int],
    ) -> tuple[list[list[str]], list[bool]]:
        """Target pieces for each tokenized sentence (the target prefix, if any, removed), and
        whether decoding stopped at the cap rather than at the end of the sentence."""
        output: list[list[str]] = [[] for _ in tokens]
        capped = [False] * len(tokens)
        order = sorted(range(len(tokens)), key=lambda k: len(tokens[k]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            # A batch holds sentences of similar length (sorted above): a cap relative to its
            # longest stops a model that runs on without cutting any sane translation short.
            limit = cap(max(len(tokens[k]) for k in batch))
            hypotheses = self._search(package, models, [tokens[k] for k in batch], limit, False)
            # Unknown target tokens are replaced by the source token they attend to, as Argos
            # does. That needs the attention of every step, which costs more than the search in
            # a batch of beams and changes nothing but the <unk> pieces; the batch is searched
            # again with it only when an output holds one. The whole batch: which source token
            # an <unk> gets depends on the batch it was decoded in.
            if any(models.unk in pieces for pieces in hypotheses):
                hypotheses = self._search(package, models, [tokens[k] for k in batch], limit, True)
            for k, pieces in zip(batch, hypotheses, strict=True):
                capped[k] = len(pieces) >= limit
                if package.target_prefix and pieces and pieces[0] == package.target_prefix:
                    pieces = pieces[1:]
                output[k] = pieces
        return output, capped

    def _search(
        self,
        package: ModelPackage,
        models: _Loaded,
        tokens: list[list[str]],
        limit: int,
        replace_unknowns: bool,
    ) -> list[list[str]]:
        prefix = [[package.target_prefix]] * len(tokens) if package.target_prefix else None
        results = models.translator.translate_batch(
            tokens,
            target_prefix=prefix,
            beam_size=self.beam_size,
            length_penalty=0.2,
            max_decoding_length=limit,
            replace_unknowns=replace_unknowns,
        )
        self.model_calls += 1
        return [list(result.hypotheses[0]) for result in results]
