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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.translator import join_sentences, split_sentences

ENGINE = "argos-ctranslate2"
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
            if key not in newest or version_key(package.version) > version_key(
                newest[key].version
            ):
                newest[key] = package
    return [newest[key] for key in sorted(newest)]


def install_package(archive: Path, models_dir: Path) -> ModelPackage:
    """Install an ``.argosmodel`` file: check it, unpack it beside the others, load-test it.

    The package lands in ``<models_dir>/<from>_<to>-<version>/``; an existing copy of the same
    version is replaced only once the new one is complete.
    """
    if not archive.is_file():
        raise ModelPackageError(f"{archive}: no such file")
    if not zipfile.is_zipfile(archive):
        raise ModelPackageError(f"{archive.name}: not an .argosmodel (zip) file")
    models_dir.mkdir(parents=True, exist_ok=True)
    for leftover in [*models_dir.glob(".install-*"), *models_dir.glob(".old-*")]:
        shutil.rmtree(leftover, ignore_errors=True)  # from an install that was killed
    staging = models_dir / f".install-{uuid.uuid4().hex}"
    try:
        with zipfile.ZipFile(archive) as bundle:
            top = _single_top_folder(bundle, archive.name)
            bundle.extractall(staging)
        package = read_package(staging / top)
        _load_test(package)
        target = models_dir / f"{package.from_code}_{package.to_code}-{package.version}"
        if not _PACKAGE_DIR.match(target.name):
            raise ModelPackageError(f"{archive.name}: unusable codes or version in metadata.json")
        old = None
        if target.exists():
            old = target.with_name(f".old-{uuid.uuid4().hex}")
            os.rename(target, old)
        os.rename(staging / top, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return read_package(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


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


@dataclass
class ArgosTranslator:
    """:class:`pipeline.translator.Translator` on installed Argos packages, pivoting through
    English when no direct pair is installed."""

    models_dir: Path
    threads: int = 2
    beam_size: int = 2
    batch_size: int = 32
    max_decoding_length: int = 256
    engine: str = ENGINE
    model_calls: int = 0
    _packages: dict[tuple[str, str], ModelPackage] = field(default_factory=dict, init=False)
    _loaded: dict[Path, _Loaded] = field(default_factory=dict, init=False)
    # First legs of pivot routes, kept for the translator's life: it→lv, it→ru and it→zh all
    # start with the same it→en translation of the same texts.
    _first_leg: dict[tuple[Path, str], str] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self._packages = {(p.from_code, p.to_code): p for p in installed_packages(self.models_dir)}

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
            return self._translate_with(first, list(texts))
        todo = sorted({t for t in texts if (first.path, t) not in self._first_leg})
        for text, output in zip(todo, self._translate_with(first, todo), strict=True):
            self._first_leg[(first.path, text)] = output
        current = [self._first_leg[(first.path, t)] for t in texts]
        for package in rest:
            current = self._translate_with(package, current)
        return current

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
        return _Loaded(translator, tokenizer)

    def _models(self, package: ModelPackage) -> _Loaded:
        with self._lock:
            loaded = self._loaded.get(package.path)
            if loaded is None:
                loaded = self._loaded[package.path] = self.load_models(package, self.threads)
            return loaded

    def _translate_with(self, package: ModelPackage, texts: list[str]) -> list[str]:
        """All sentences of all texts in length-sorted batches, then reassembled per text."""
        if not texts:
            return []
        models = self._models(package)
        sentences = [split_sentences(text) for text in texts]
        flat = [(i, j, s) for i, text in enumerate(sentences) for j, s in enumerate(text)]
        tokens = [models.tokenizer.encode(s, out_type=str) for _, _, s in flat]
        order = sorted(range(len(flat)), key=lambda k: len(tokens[k]))
        output: list[str] = [""] * len(flat)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            prefix = [[package.target_prefix]] * len(batch) if package.target_prefix else None
            # Batches hold sentences of similar length (sorted above), so a cap relative to the
            # longest stops a looping model early without cutting any sane translation short.
            longest = max(len(tokens[k]) for k in batch)
            results = models.translator.translate_batch(
                [tokens[k] for k in batch],
                target_prefix=prefix,
                beam_size=self.beam_size,
                max_decoding_length=min(self.max_decoding_length, 2 * longest + 10),
                replace_unknowns=True,
                length_penalty=0.2,
            )
            self.model_calls += 1
            for k, result in zip(batch, results, strict=True):
                pieces = result.hypotheses[0]
                if package.target_prefix and pieces and pieces[0] == package.target_prefix:
                    pieces = pieces[1:]
                output[k] = models.tokenizer.decode(pieces)
        translated: list[list[str]] = [[] for _ in texts]
        for (i, _j, _s), text in zip(flat, output, strict=True):
            translated[i].append(text)
        return [join_sentences(parts, package.to_code) for parts in translated]
