"""The packages of the public index, as each producer lays them out (tests.argos_layouts):
installed through the CLI, loaded by CTranslate2, decoded cleanly and used by a real ingest."""

import json
import zipfile
from pathlib import Path

import pytest
import sentencepiece as spm
from typer.testing import CliRunner

from pipeline import sentences
from pipeline.argos import ArgosTranslator, decoding_cap, detokenize, install_package
from pipeline.cli import app
from pipeline.ingest import run_ingest
from pipeline.search import PublishedIndex
from pipeline.settings import Settings, get_settings
from pipeline.translator import Translated, output_problem, translation_problem
from tests.argos_layouts import (
    build_argos_1_0_package,
    build_opus_mt_port,
    build_real_layout_set,
    build_shared_sentencepiece_package,
)
from tests.helpers import write_article
from tests.tiny_model import build_tiny_argosmodel

PAIRS = [(lang, "en") for lang in ("lv", "it", "zh", "ru")] + [
    ("en", lang) for lang in ("lv", "it", "zh", "ru")
]
PRODUCERS = {
    "opus-mt port": (build_opus_mt_port, "en", "lv"),
    "shared sentencepiece": (build_shared_sentencepiece_package, "en", "ru"),
    "argos 1.0": (build_argos_1_0_package, "it", "en"),
}


@pytest.mark.parametrize(
    ("pieces", "text"),
    [
        (["▁nav", "▁nav", "ay", "ment", "š", "▁klientui"], "nav navaymentš klientui"),
        (["▁Mēs", "▁atzvan", "īsim", "."], "Mēs atzvanīsim."),
        (["▁我们", "会", "回电", "。"], "我们会回电。"),
        (["▁caf", "<0xC3>", "<0xA9>", "▁ouvert"], "café ouvert"),  # byte fallback
        (["▁Il", "▁file", "▁report", "_", "2024", ".", "csv"], "Il file report_2024.csv"),
        (["__lv__", "▁Labdien"], "__lv__ Labdien"),  # prefixes are removed before, not here
        ([], ""),
    ],
)
def test_detokenize_joins_pieces_like_argos_and_keeps_underscores(pieces, text):
    assert detokenize(pieces) == text


@pytest.mark.parametrize(
    ("output", "problem"),
    [
        ("▁nav▁navaymentš klientui", "output holds the SentencePiece marker '▁'"),
        ("Il cliente <unk> sempre", "output holds '<unk>'"),
        ("Grazie</s>", "output holds '</s>'"),
        ("caf\ufffd ouvert", "output holds undecodable bytes"),
        ("report_2024.csv inviato", None),
    ],
)
def test_tokenizer_debris_is_a_translation_problem(output, problem):
    assert translation_problem("Una frase di prova.", output, "it", "lv") == problem


def _unpack(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(into)
        (top,) = {name.split("/")[0] for name in bundle.namelist()}
    return into / top


def test_an_opus_mt_port_cannot_decode_its_target_with_its_tokenizer(tmp_path):
    """The bug this layout hides: the shipped SentencePiece model is the source side's, so
    decoding target pieces with it keeps every '▁'; joining them as Argos does is clean."""
    package = _unpack(build_opus_mt_port(tmp_path / "dist", "en", "lv"), tmp_path / "pk")
    sp = spm.SentencePieceProcessor(model_file=str(package / "sentencepiece.model"))
    vocabulary = json.loads((package / "model/shared_vocabulary.json").read_text("utf-8"))
    source_side = {sp.id_to_piece(i) for i in range(sp.get_piece_size())}
    latvian = [p for p in vocabulary if p.startswith("▁") and p not in source_side]
    assert len(latvian) > 50  # target pieces the shipped tokenizer does not know
    pieces = latvian[:3]
    assert "▁" in sp.decode(pieces)  # what decoding with the package's model gives
    assert detokenize(pieces) == " ".join(p[1:] for p in pieces)


def test_each_layout_is_packed_as_its_producer_packs_it(tmp_path):
    opus, shared, old = (build(tmp_path, a, b) for build, a, b in PRODUCERS.values())
    with zipfile.ZipFile(opus) as bundle:
        names = bundle.namelist()
        assert all(n.startswith("translate-en_lv-1_9/") and not n.endswith("/") for n in names)
        assert {i.compress_type for i in bundle.infolist()} == {zipfile.ZIP_STORED}
        metadata = json.loads(bundle.read("translate-en_lv-1_9/metadata.json"))
        config = json.loads(bundle.read("translate-en_lv-1_9/model/config.json"))
        vocabulary = json.loads(bundle.read("translate-en_lv-1_9/model/shared_vocabulary.json"))
        assert "translate-en_lv-1_9/README.md" in names
        assert any(n.startswith("translate-en_lv-1_9/stanza/en/tokenize/") for n in names)
    assert list(metadata) == [
        *("package_version", "argos_version", "from_code", "from_name", "to_code", "to_name")
    ]
    assert (metadata["package_version"], metadata["argos_version"]) == ("1.9", "1.9.0")
    assert config["add_source_eos"] is True
    assert vocabulary[:2] == ["</s>", "<unk>"] and vocabulary[-1] == "<pad>"
    assert "<s>" not in vocabulary  # Marian has no start token: decoding starts from zeros

    with zipfile.ZipFile(shared) as bundle:
        vocabulary = json.loads(bundle.read("translate-en_ru-1_9/model/shared_vocabulary.json"))
        sp = spm.SentencePieceProcessor(
            model_proto=bundle.read("translate-en_ru-1_9/sentencepiece.model")
        )
        metadata = json.loads(bundle.read("translate-en_ru-1_9/metadata.json"))
    assert vocabulary[:4] == ["<unk>", "<blank>", "<s>", "</s>"]  # OpenNMT-py's order
    assert {sp.id_to_piece(i) for i in range(sp.get_piece_size())} >= set(vocabulary[4:])
    assert sp.piece_to_id("<0xE2>") != sp.unk_id()  # trained with byte fallback
    assert metadata["argos_version"] == "1.9"

    with zipfile.ZipFile(old) as bundle:
        names = bundle.namelist()
        assert "it_en/" in names and "it_en/model/" in names  # `zip -r` directory entries
        assert "it_en/model/config.json" not in names  # CTranslate2 2.x wrote none
        vocabulary = bundle.read("it_en/model/shared_vocabulary.txt").decode().splitlines()
        model_bin = bundle.read("it_en/model/model.bin")
        metadata = json.loads(bundle.read("it_en/metadata.json"))
    assert vocabulary[:3] == ["<blank>", "<s>", "</s>"] and vocabulary[-1] == "<unk>"
    assert int.from_bytes(model_bin[:4], "little") == 5  # binary version before config.json
    assert (metadata["package_version"], metadata["argos_version"]) == ("1.0", "1.0")


@pytest.mark.parametrize("producer", list(PRODUCERS))
def test_each_layout_installs_through_the_cli_and_translates_cleanly(
    tmp_path, monkeypatch, producer
):
    build, from_code, to_code = PRODUCERS[producer]
    archive = build(tmp_path / "dist", from_code, to_code)
    monkeypatch.setenv("CSGUIDE_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        result = runner.invoke(app, ["models", "install", str(archive)])
        assert result.exit_code == 0, result.output
        listing = json.loads(runner.invoke(app, ["models", "list", "--json"]).output)
    finally:
        get_settings.cache_clear()
    (package,) = listing["packages"]
    assert (package["from_lang"], package["to_lang"]) == (from_code, to_code)
    sources = {
        "en": ["The customer waits on the line.", "Answer the phone quickly, please."],
        "it": ["Il cliente aspetta in linea.", "Rispondete subito al telefono, per favore."],
    }[from_code]
    translator = ArgosTranslator(tmp_path / "var" / "models", threads=1)
    outputs = translator.translate(sources, from_code, to_code)
    for source, output in zip(sources, outputs, strict=True):
        assert output and translation_problem(source, output, from_code, to_code) is None


@pytest.fixture(scope="module")
def real_layouts(tmp_path_factory) -> Path:
    """Every pair we use, each built as its real producer builds it, installed."""
    root = tmp_path_factory.mktemp("layouts")
    models = root / "models"
    for archive in build_real_layout_set(root / "dist", PAIRS):
        install_package(archive, models)
    return models


NEW_ARTICLES = {
    "lv/atzvanisana.txt": (
        "Atzvanīšana\n\n"
        "Ja klients gaida, piedāvājiet atzvanīt. Pierakstiet tālruni un laiku.\n\n"
        "- Atzvaniet solītajā laikā.\n"
    ),
    "it/rimborsi.txt": (
        "Rimborsi\n\n"
        "Spiegate al cliente quando arriverà il rimborso. Date sempre una data precisa.\n\n"
        "- Inviate una conferma scritta.\n"
    ),
    "zh/退款.txt": "退款说明\n\n告诉客户退款什么时候到账。请给出准确的日期。\n\n- 发送书面确认。\n",
    "ru/ozhidanie.txt": (
        "Ожидание на линии\n\n"
        "Спросите клиента, может ли он подождать. Благодарите за ожидание.\n\n"
        "- Не держите клиента на линии дольше двух минут.\n"
    ),
}


def test_real_ingest_with_every_real_layout_machine_translates_cleanly(tmp_path, real_layouts):
    content = tmp_path / "content"
    for path, text in NEW_ARTICLES.items():
        write_article(content, path, text)
    settings = Settings(data_dir=tmp_path / "var", content_dir=content, models_dir=real_layouts)
    report = run_ingest(settings)
    assert report.exit_code == 0, report
    assert report.translation.flagged == [] and report.translation.untranslated == {}
    translator = ArgosTranslator(real_layouts)
    published = PublishedIndex.open_current(settings.data_dir)
    try:
        checked = 0
        for article in published.articles.values():
            for tip_id in article.tips:
                for lang in ("lv", "it", "zh", "ru", "en"):
                    record = published.tip(tip_id, lang)
                    assert record.lang == lang
                    if lang == record.source.lang:
                        assert record.translation.provenance == "original"
                        continue
                    assert record.translation.provenance == "machine", (tip_id, lang)
                    assert record.translation.model == translator.model_for(
                        record.source.lang, lang
                    )
                    for text in (record.text, record.title, record.context):
                        assert "▁" not in text and "<unk>" not in text, (tip_id, lang, text)
                    checked += 1
    finally:
        published.close()
    tips = sum(len(article.tips) for article in published.articles.values())
    assert len(published.articles) == 4 and checked == 4 * tips  # each in four other languages


def test_the_ingest_above_would_have_shown_the_marker_with_the_old_decoding(real_layouts):
    """Guards the test above: upstream's models decode target pieces the OPUS-MT ports' tokenizer
    does not know, so decoding them with it (the old way) leaves '▁' in the index."""
    translator = ArgosTranslator(real_layouts, threads=1)
    (package,) = translator.route("en", "lv") or []
    models = translator._models(package)
    sentences = ["Answer the phone quickly.", "The customer waits for a refund."]
    tokens = [models.tokenizer.encode(s, out_type=str) for s in sentences]
    pieces, _ = translator._decode(package, models, tokens, decoding_cap)
    assert any("▁" in models.tokenizer.decode(p) for p in pieces)
    assert not any("▁" in detokenize(p) for p in pieces)


def test_a_sentence_that_runs_to_the_decoding_cap_is_reported(tmp_path):
    """A model that never stops is cut at the cap, and the translation says so, even where its
    text would pass every check."""
    archive = build_tiny_argosmodel(tmp_path / "dist", "it", "en")  # never stops by itself
    package = install_package(archive, tmp_path / "models")
    translator = ArgosTranslator(tmp_path / "models", threads=1)
    source = "Il cliente aspetta.\nGrazie."
    (output,) = translator.translate([source], "it", "en")
    assert translator.model_calls == 1
    assert isinstance(output, Translated) and output.problem == "a sentence ran to the decoding cap"
    assert output.count("\n") == 1  # the line break survived
    models = translator._models(package)
    tokens = [models.tokenizer.encode(s, out_type=str) for s in ("Il cliente aspetta.", "Grazie.")]
    pieces, capped = translator._decode(package, models, tokens, decoding_cap)
    assert capped == [True, True]
    assert all(len(p) == decoding_cap(max(map(len, tokens))) for p in pieces)
    assert output_problem(source, output, "it", "en") == output.problem  # reported beats checks


def test_what_went_wrong_on_the_first_leg_stays_with_a_pivot_translation(tmp_path):
    install_package(build_tiny_argosmodel(tmp_path / "a", "it", "en"), tmp_path / "models")
    install_package(
        build_opus_mt_port(tmp_path / "b", "en", "lv", seed=3), tmp_path / "models"
    )  # it→en never stops; en→lv is fine
    translator = ArgosTranslator(tmp_path / "models", threads=1)
    (output,) = translator.translate(["Il cliente aspetta."], "it", "lv")
    assert output.problem == "a sentence ran to the decoding cap"


def test_a_sentence_that_comes_out_empty_is_reported(tmp_path):
    """CTranslate2 emits at least one piece; a model whose only piece is a bare '▁' gives an
    empty sentence, which would silently drop out of the joined text."""
    archive = build_shared_sentencepiece_package(
        tmp_path / "dist", "en", "ru", eos_bias=50.0, favour={"▁": 3.0}
    )
    install_package(archive, tmp_path / "models")
    translator = ArgosTranslator(tmp_path / "models", threads=1)
    (output,) = translator.translate(["The customer waits. Answer quickly."], "en", "ru")
    assert output == "" and output.problem == "a sentence came out empty"


def test_unknown_target_tokens_are_replaced_as_argos_replaces_them(tmp_path):
    """Argos decodes with replace_unknowns. csguide searches without the attention it needs,
    and searches a batch again with it only when an output holds <unk>. Which source token
    replaces an <unk> depends on the whole batch, so the result must equal one search of the
    same batches with replace_unknowns, sentences without <unk> beside those with it."""
    archive = build_shared_sentencepiece_package(
        tmp_path / "dist", "en", "ru", favour={"<unk>": 1.5}
    )
    package = install_package(archive, tmp_path / "models")
    translator = ArgosTranslator(tmp_path / "models", threads=1)
    models = translator._models(package)
    words = [
        "customer",
        "phone",
        "answer",
        "quickly",
        "refund",
        "waits",
        "the",
        "please",
        "thank",
        "you",
        "for",
        "call",
    ]
    sentences = [" ".join(words[i % 7 : i % 7 + 2 + i % 5]).capitalize() + "." for i in range(32)]
    tokens = sorted((models.tokenizer.encode(s, out_type=str) for s in sentences), key=len)
    limit = decoding_cap(len(tokens[-1]))
    options = {"beam_size": 4, "length_penalty": 0.2, "max_decoding_length": limit}
    plain = [r.hypotheses[0] for r in models.translator.translate_batch(tokens, **options)]
    with_unk = sum("<unk>" in p for p in plain)
    assert 0 < with_unk < len(plain)  # a batch of both kinds
    pieces, _ = translator._decode(package, models, tokens, lambda n: limit)
    assert translator.model_calls == 2  # the search, then the batch again for its <unk>
    argos = models.translator.translate_batch(tokens, replace_unknowns=True, **options)
    assert pieces == [r.hypotheses[0] for r in argos]
    assert not any("<unk>" in p for p in pieces)


def test_the_engine_name_changes_with_what_changes_a_translation(tmp_path):
    """The translation memory reuses a translation only under the same engine name, so the
    name must change with the beam, the decoding revision and the sentence splitter's."""
    default = ArgosTranslator(tmp_path / "models")
    assert default.engine == f"argos-ctranslate2/2 beam 4 sentences {sentences.REVISION}"
    assert ArgosTranslator(tmp_path / "models", beam_size=2).engine != default.engine
