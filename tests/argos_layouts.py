"""Tiny Argos packages laid out as each producer of our pairs' packages lays them out.

The public index holds packages for our pairs from three producers, and each packs differently.
The OPUS-MT ports and Argos' own tooling are read from their packaging scripts
(LibreTranslate's ``opus_mt_convert.py`` and ``train.py``); the 1.0 layout is the one issue #13
describes for the real en↔it archives, with the model files CTranslate2 2.x wrote:

========================  =====================================================================
OPUS-MT port (1.9)        en↔lv, en↔zh. A Marian model converted by ``ct2-marian-converter``
                          (post-norm, ``add_source_eos``, decoder started from a zero embedding,
                          a joint vocabulary ``</s> <unk> … <pad>``, int8). **Only the source
                          side's SentencePiece model** is shipped, as ``sentencepiece.model``; the
                          target pieces are not in it. Zip stored, no directory entries, top
                          folder ``translate-en_lv-1_9/`` with README.md, six-field
                          ``metadata.json`` (argos_version "1.9.0") and a ``stanza/`` folder.
Argos' own tooling (1.9)  en↔ru. One SentencePiece model for both sides (byte fallback on), an
                          OpenNMT-py vocabulary ``<unk> <blank> <s> </s> …`` converted by
                          ``ct2-opennmt-py-converter``, int8; same folder layout, argos_version
                          "1.9".
2020–21 scripts (1.0)     en↔it. Top folder ``<from>_<to>/`` with directory entries (``zip -r``),
                          deflated; an OpenNMT-tf vocabulary ``<blank> <s> </s> … <unk>`` as
                          ``shared_vocabulary.txt`` and no ``config.json``, so CTranslate2 takes
                          the special tokens from ``model.bin``, whose header says binary version 5.
========================  =====================================================================

The weights are random and tiny (see :mod:`tests.tiny_model`); the layout, metadata, vocabulary
order and model options are the real ones, so the package code path is the real one. Limits:
the 1.0 ``model.bin`` holds today's variables under the old header (CTranslate2 reads both the
same way, but a real old model's legacy variables are not exercised); the models never emit
byte-fallback pieces (random ones would not form valid UTF-8), so byte decoding is tested on
pieces alone; the ``stanza/`` folders hold a placeholder where the real packages hold a
PyTorch model that csguide never loads.
"""

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import sentencepiece as spm

from tests.tiny_model import (
    BOS,
    EOS,
    LANGUAGE_NAMES,
    UNK,
    build_transformer_spec,
    default_corpus,
    model_files,
    package_name,
    train_sentencepiece,
    write_package_zip,
)

#: A trained model stops after a few tokens; this bias on the end token imitates that.
STOPS = 2.0
#: A little less for the OPUS-MT ports, whose outputs should run to several pieces: their
#: decoding is what the ports get wrong.
OPUS_STOPS = 1.5

_STANZA_PACKAGES = {
    "en": "combined",
    "lv": "lvtb",
    "it": "combined",
    "ru": "syntagrus",
    "zh": "gsdsimp",
}


def _pieces(sp_model: bytes) -> list[str]:
    sp = spm.SentencePieceProcessor(model_proto=sp_model)
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def _stanza_files(from_code: str) -> dict[str, bytes]:
    package = _STANZA_PACKAGES.get(from_code, "default")
    resources = {from_code: {"default_processors": {"tokenize": package}}}
    return {
        "stanza/resources.json": json.dumps(resources).encode(),
        f"stanza/{from_code}/tokenize/{package}.pt": b"placeholder: csguide never loads stanza",
    }


def _metadata(from_code: str, to_code: str, version: str, argos_version: str) -> dict[str, str]:
    return {
        "package_version": version,
        "argos_version": argos_version,
        "from_code": from_code,
        "from_name": LANGUAGE_NAMES.get(from_code, from_code),
        "to_code": to_code,
        "to_name": LANGUAGE_NAMES.get(to_code, to_code),
    }


def build_opus_mt_port(
    dest_dir: Path,
    from_code: str,
    to_code: str,
    *,
    package_version: str = "1.9",
    seed: int = 0,
    eos_bias: float = OPUS_STOPS,
) -> Path:
    """An OPUS-MT model as Argos ships it: only the source SentencePiece model inside."""
    source_sp = train_sentencepiece(default_corpus(300, [from_code]))
    target_sp = train_sentencepiece(default_corpus(300, [to_code]))
    specials = {UNK, BOS, EOS}
    joint = list(dict.fromkeys(p for p in _pieces(source_sp) + _pieces(target_sp)))
    vocabulary = [EOS, UNK, *(p for p in joint if p not in specials), "<pad>"]
    # A trained en→lv model writes Latvian: only the target side's pieces ever come out.
    target_side = set(_pieces(target_sp))
    never = ["<pad>", *(p for p in vocabulary[2:-1] if p not in target_side)]
    spec = build_transformer_spec(
        vocabulary, seed, eos_bias, pre_norm=False, start_from_zero_embedding=True, never=never
    )
    spec.config.add_source_eos = True
    spec.optimize(quantization="int8")
    slug = package_name(from_code, to_code, package_version)
    readme = (
        f"# {LANGUAGE_NAMES[from_code]} - {LANGUAGE_NAMES[to_code]} version {package_version}\n\n"
        "Converted from an OPUS-MT model (Tiedemann and Thottingal, EAMT 2020), CC-BY 4.0.\n"
    )
    metadata = _metadata(from_code, to_code, package_version, "1.9.0")
    files = {
        "README.md": readme.encode(),
        "metadata.json": json.dumps(metadata).encode(),
        "sentencepiece.model": source_sp,  # the source side's only
        **model_files(spec),
        **_stanza_files(from_code),
    }
    return write_package_zip(
        dest_dir / f"{slug}.argosmodel", slug, files, directories=False, deflate=False
    )


def build_shared_sentencepiece_package(
    dest_dir: Path,
    from_code: str,
    to_code: str,
    *,
    package_version: str = "1.9",
    seed: int = 0,
    eos_bias: float = STOPS,
    favour: Mapping[str, float] | None = None,
) -> Path:
    """A package trained with Argos' own tooling: one SentencePiece model for both sides.
    ``favour``: tokens the model is pushed to emit."""
    sp_model = train_sentencepiece(
        default_corpus(400, [from_code, to_code]), vocab_size=800, byte_fallback=True
    )
    pieces = _pieces(sp_model)
    specials = {UNK, BOS, EOS}
    vocabulary = [UNK, "<blank>", BOS, EOS, *(p for p in pieces if p not in specials)]
    # A trained model spells rare characters in valid byte runs; random weights would not.
    never = ["<blank>", BOS, *(p for p in pieces if p.startswith("<0x"))]
    spec = build_transformer_spec(vocabulary, seed, eos_bias, never=never, favour=favour)
    spec.optimize(quantization="int8")
    slug = package_name(from_code, to_code, package_version)
    readme = f"# {LANGUAGE_NAMES[from_code]} - {LANGUAGE_NAMES[to_code]} version {package_version}"
    files = {
        "README.md": readme.encode(),
        "metadata.json": json.dumps(_metadata(from_code, to_code, package_version, "1.9")).encode(),
        "sentencepiece.model": sp_model,
        **model_files(spec),
        **_stanza_files(from_code),
    }
    return write_package_zip(
        dest_dir / f"{slug}.argosmodel", slug, files, directories=False, deflate=False
    )


def build_argos_1_0_package(
    dest_dir: Path,
    from_code: str,
    to_code: str,
    *,
    seed: int = 0,
    eos_bias: float = STOPS,
) -> Path:
    """A 2020–21 package: ``<from>_<to>/`` folder, directory entries, ``.txt`` vocabulary."""
    sp_model = train_sentencepiece(default_corpus(400, [from_code, to_code]))
    specials = {UNK, BOS, EOS}
    vocabulary = ["<blank>", BOS, EOS, *(p for p in _pieces(sp_model) if p not in specials), UNK]
    spec = build_transformer_spec(vocabulary, seed, eos_bias, never=["<blank>", BOS])
    spec.optimize(quantization="int8")
    metadata = _metadata(from_code, to_code, "1.0", "1.0")
    files = {
        "README.md": b"Argos Translate model package.\n",
        "metadata.json": (json.dumps(metadata, indent=4) + "\n").encode(),
        "sentencepiece.model": sp_model,
        **model_files(spec, binary_version=5),
        **_stanza_files(from_code),
    }
    return write_package_zip(
        dest_dir / f"{package_name(from_code, to_code, '1.0')}.argosmodel",
        f"{from_code}_{to_code}",
        files,
        directories=True,
        deflate=True,
    )


def build_real_layout_set(dest_dir: Path, pairs: Sequence[tuple[str, str]]) -> list[Path]:
    """For each pair, a package from the producer that makes it for the public index."""
    archives = []
    for n, (from_code, to_code) in enumerate(pairs):
        other = to_code if from_code == "en" else from_code
        if other in ("lv", "zh"):
            build = build_opus_mt_port
        elif other == "ru":
            build = build_shared_sentencepiece_package
        else:
            build = build_argos_1_0_package
        archives.append(build(dest_dir, from_code, to_code, seed=n))
    return archives
