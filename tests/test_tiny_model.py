"""The tiny Argos Translate package that tests build for themselves is a real, runnable model."""

import json
import time
import zipfile
from pathlib import Path

import ctranslate2
import sentencepiece as spm

from tests.tiny_model import build_tiny_argosmodel, install_argosmodel_dir

SENTENCES = [
    "Klientu apkalpošana ir kritiska uzņēmējdarbības aktivitāte.",
    "为什么客户服务如此重要?没有客户,企业就不存在。",
    "Хорошее обслуживание клиента – один из столпов любого успешного бизнеса.",
]


def _install(tmp_path: Path, from_code: str, to_code: str, **kwargs) -> Path:
    archive = build_tiny_argosmodel(tmp_path / "dist", from_code, to_code, **kwargs)
    return install_argosmodel_dir(archive, tmp_path / "packages")


def _translate(package_dir: Path, sentences: list[str]) -> list[list[str]]:
    sp = spm.SentencePieceProcessor(model_file=str(package_dir / "sentencepiece.model"))
    translator = ctranslate2.Translator(str(package_dir / "model"), device="cpu", intra_threads=1)
    results = translator.translate_batch(
        [sp.encode(text, out_type=str) for text in sentences],
        max_decoding_length=32,
        beam_size=2,
    )
    return [result.hypotheses[0] for result in results]


def test_archive_has_one_top_level_package_dir(tmp_path):
    archive = build_tiny_argosmodel(tmp_path, "lv", "en")

    assert archive == tmp_path / "translate-lv_en-0_1.argosmodel"
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
    assert {name.split("/", 1)[0] for name in names} == {"translate-lv_en-0_1"}
    files = {name.split("/", 1)[1] for name in names if not name.endswith("/")}
    assert {"metadata.json", "sentencepiece.model", "model/model.bin"} <= files
    assert {"model/config.json", "model/shared_vocabulary.json"} <= files


def test_metadata(tmp_path):
    archive = build_tiny_argosmodel(tmp_path, "zh", "en", package_version="1.2.3")

    assert archive.name == "translate-zh_en-1_2_3.argosmodel"
    with zipfile.ZipFile(archive) as zf:
        metadata = json.loads(zf.read("translate-zh_en-1_2_3/metadata.json").decode("utf-8"))
    assert metadata == {
        "package_version": "1.2.3",
        "argos_version": "1.9",
        "from_code": "zh",
        "from_name": "Chinese",
        "to_code": "en",
        "to_name": "English",
        "type": "translate",
        "name": "zh→en tiny test model",
    }


def test_unknown_language_codes_are_their_own_names(tmp_path):
    archive = build_tiny_argosmodel(tmp_path, "xx", "ru")
    with zipfile.ZipFile(archive) as zf:
        metadata = json.loads(zf.read("translate-xx_ru-0_1/metadata.json"))
    assert (metadata["from_name"], metadata["to_name"]) == ("xx", "Russian")
    assert "target_prefix" not in metadata


def test_vocabulary_is_the_sentencepiece_pieces_with_ctranslate2_specials(tmp_path):
    package_dir = _install(tmp_path, "it", "en")
    sp = spm.SentencePieceProcessor(model_file=str(package_dir / "sentencepiece.model"))
    vocab = json.loads((package_dir / "model/shared_vocabulary.json").read_text("utf-8"))
    config = json.loads((package_dir / "model/config.json").read_text("utf-8"))

    assert vocab == [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    assert 300 <= len(vocab) <= 600
    assert vocab[:3] == [config["unk_token"], config["bos_token"], config["eos_token"]]
    assert vocab[:3] == ["<unk>", "<s>", "</s>"]


def test_csguide_text_tokenizes_with_few_unknowns(tmp_path):
    package_dir = _install(tmp_path, "lv", "en")
    sp = spm.SentencePieceProcessor(model_file=str(package_dir / "sentencepiece.model"))
    for text in SENTENCES:
        ids = sp.encode(text)
        assert ids.count(sp.unk_id()) <= len(ids) // 10, (text, sp.encode(text, out_type=str))


def test_translates_a_batch_through_ctranslate2(tmp_path):
    package_dir = _install(tmp_path, "lv", "en")
    sp = spm.SentencePieceProcessor(model_file=str(package_dir / "sentencepiece.model"))
    vocab = {sp.id_to_piece(i) for i in range(sp.get_piece_size())}

    hypotheses = _translate(package_dir, SENTENCES)

    assert len(hypotheses) == len(SENTENCES)
    for tokens in hypotheses:
        assert 0 < len(tokens) <= 32
        assert set(tokens) <= vocab
        assert isinstance(sp.decode(tokens), str)


def test_translations_are_deterministic(tmp_path):
    first = _install(tmp_path / "a", "lv", "en", seed=7)
    once = _translate(first, SENTENCES)
    assert _translate(first, SENTENCES) == once

    rebuilt = _install(tmp_path / "b", "lv", "en", seed=7)
    assert _translate(rebuilt, SENTENCES) == once
    a = (tmp_path / "a/dist/translate-lv_en-0_1.argosmodel").read_bytes()
    b = (tmp_path / "b/dist/translate-lv_en-0_1.argosmodel").read_bytes()
    assert a == b

    other_seed = _install(tmp_path / "c", "lv", "en", seed=8)
    assert _translate(other_seed, SENTENCES) != once


def test_two_models_side_by_side(tmp_path):
    it_en = _install(tmp_path, "it", "en")
    en_lv = _install(tmp_path, "en", "lv")

    assert it_en.name == "translate-it_en-0_1"
    assert en_lv.name == "translate-en_lv-0_1"
    assert sorted(p.name for p in (tmp_path / "packages").iterdir()) == [
        "translate-en_lv-0_1",
        "translate-it_en-0_1",
    ]
    (italian,) = _translate(it_en, ["Il servizio clienti è il bene più importante."])
    (english,) = _translate(en_lv, ["Customer service is very important."])
    assert italian
    assert english


def test_target_prefix_is_in_metadata_and_vocabulary(tmp_path):
    package_dir = _install(tmp_path, "en", "zh", target_prefix="__zh__")
    metadata = json.loads((package_dir / "metadata.json").read_text("utf-8"))
    vocab = json.loads((package_dir / "model/shared_vocabulary.json").read_text("utf-8"))
    assert metadata["target_prefix"] == "__zh__"
    assert "__zh__" in vocab

    sp = spm.SentencePieceProcessor(model_file=str(package_dir / "sentencepiece.model"))
    translator = ctranslate2.Translator(str(package_dir / "model"), device="cpu", intra_threads=1)
    (result,) = translator.translate_batch(
        [sp.encode("Good customer service.", out_type=str)],
        target_prefix=[["__zh__"]],
        max_decoding_length=8,
    )
    assert result.hypotheses[0][0] == "__zh__"


def test_custom_corpus(tmp_path):
    corpus = [
        f"line {i} of a very small corpus, with words like customer and service." for i in range(50)
    ]
    package_dir = _install(tmp_path, "en", "en", corpus=corpus)
    sp = spm.SentencePieceProcessor(model_file=str(package_dir / "sentencepiece.model"))
    assert sp.get_piece_size() < 300
    (tokens,) = _translate(package_dir, ["customer service"])
    assert isinstance(sp.decode(tokens), str)


def test_build_is_fast(tmp_path):
    start = time.perf_counter()
    archive = build_tiny_argosmodel(tmp_path, "ru", "en")
    elapsed = time.perf_counter() - start

    assert elapsed < 5.0, f"building the tiny model took {elapsed:.2f} s"
    assert archive.stat().st_size < 2_000_000
