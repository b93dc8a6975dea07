"""The real model path, offline: tiny .argosmodel packages built by the tests, installed, loaded
by CTranslate2 and SentencePiece, batch-translated, remembered and indexed."""

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.argos import (
    ArgosTranslator,
    ModelPackageError,
    install_package,
    installed_packages,
)
from pipeline.cli import app
from pipeline.ingest import run_ingest
from pipeline.search import PublishedIndex
from pipeline.settings import Settings, get_settings
from tests.helpers import write_article
from tests.tiny_model import build_tiny_argosmodel

#: Random weights never stop on their own; this bias on </s> makes the tiny model stop early,
#: like a trained one, so its (gibberish) output passes the quality checks.
STOPS = 2.0

NEW_ITALIAN = (
    "Richiamare sempre\n\n"
    "Promettete al cliente un orario preciso per la richiamata. Rispettate sempre l'orario promesso.\n\n"
    "- Annotate il numero del cliente.\n"
)


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("argosmodels")
    built = {
        "it-en": build_tiny_argosmodel(root / "a", "it", "en", eos_bias=STOPS),
        "en-lv": build_tiny_argosmodel(root / "b", "en", "lv", seed=1, eos_bias=STOPS),
        "lv-en": build_tiny_argosmodel(root / "c", "lv", "en", seed=2, eos_bias=STOPS),
        "it-en-loops": build_tiny_argosmodel(root / "d", "it", "en", package_version="0.2"),
        "it-en-0.3": build_tiny_argosmodel(
            root / "e", "it", "en", package_version="0.3", eos_bias=STOPS
        ),
        "en-lv-prefix": build_tiny_argosmodel(
            root / "f", "en", "lv", seed=3, eos_bias=STOPS, target_prefix="__lv__"
        ),
    }
    return built


def test_install_and_list(tmp_path, archives):
    models = tmp_path / "models"
    package = install_package(archives["it-en"], models)
    assert (package.from_code, package.to_code, package.version) == ("it", "en", "0.1")
    assert package.path == models / "it_en-0.1"
    assert package.label == "argos:it-en@0.1"
    assert installed_packages(models) == [package]
    again = install_package(archives["it-en"], models)  # reinstalling replaces in place
    assert again.path == package.path and installed_packages(models) == [again]
    newer = install_package(archives["it-en-0.3"], models)
    assert installed_packages(models) == [newer]  # the newest version of a pair is used
    assert not [p for p in models.iterdir() if p.name.startswith(".")]


def _rezip(source: Path, target: Path, edit) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            result = edit(item.filename, old.read(item))
            if result is not None:
                new.writestr(result[0], result[1])
    return target


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (
            lambda name, data: None if name.endswith("sentencepiece.model") else (name, data),
            "no sentencepiece.model",
        ),
        (
            lambda name, data: None if name.endswith("metadata.json") else (name, data),
            "no readable metadata.json",
        ),
        (
            lambda name, data: (name, b"garbage") if name.endswith("model.bin") else (name, data),
            "the model does not load",
        ),
        (lambda name, data: ("../evil/" + name, data), "unsafe path in archive"),
        (
            lambda name, data: ("other/" + name if name.endswith("metadata.json") else name, data),
            "expected one folder in the archive, found 2",
        ),
        (
            lambda name, data: (
                (name, b'{"from_code": "it"}') if name.endswith("metadata.json") else (name, data)
            ),
            "lacks from_code/to_code",
        ),
    ],
)
def test_broken_packages_are_refused_with_the_reason(tmp_path, archives, edit, reason):
    broken = _rezip(archives["it-en"], tmp_path / "broken.argosmodel", edit)
    with pytest.raises(ModelPackageError, match=reason):
        install_package(broken, tmp_path / "models")
    assert installed_packages(tmp_path / "models") == []


def test_not_a_zip_is_refused(tmp_path):
    fake = tmp_path / "x.argosmodel"
    fake.write_text("hello")
    with pytest.raises(ModelPackageError, match=r"not an \.argosmodel"):
        install_package(fake, tmp_path / "models")


@pytest.fixture
def models(tmp_path, archives) -> Path:
    directory = tmp_path / "models"
    for key in ("it-en", "en-lv", "lv-en"):
        install_package(archives[key], directory)
    return directory


def test_routes_direct_and_through_english(models):
    translator = ArgosTranslator(models)
    assert translator.model_for("it", "en") == "argos:it-en@0.1"
    assert translator.model_for("it", "lv") == "argos:it-en@0.1+argos:en-lv@0.1"
    assert translator.model_for("lv", "it") is None
    assert translator.model_for("zh", "en") is None


def test_models_load_lazily_once_and_translate_in_batches(models):
    translator = ArgosTranslator(models, threads=1, batch_size=4)
    assert translator._loaded == {}  # routing read metadata only
    texts = [f"Frase numero {n}, con un cliente. Seconda frase del testo {n}." for n in range(5)]
    out = translator.translate(texts, "it", "en")
    assert len(out) == 5 and all(isinstance(text, str) and text for text in out)
    assert translator.model_calls == 3  # 10 sentences in batches of 4
    assert len(translator._loaded) == 1
    translator.translate(texts[:1], "it", "lv")  # pivot: it→en (loaded) then en→lv
    assert len(translator._loaded) == 2
    assert translator.model_calls == 3 + 2


def test_translation_is_deterministic_and_independent_of_batching(models):
    texts = ["Il rapporto con il cliente.", "Rispondere al telefono prima del terzo squillo."]
    batched = ArgosTranslator(models, threads=1).translate(texts, "it", "en")
    one_by_one = [ArgosTranslator(models, threads=1).translate([t], "it", "en")[0] for t in texts]
    assert batched == one_by_one


def test_target_prefix_is_forced_and_stripped(tmp_path, archives):
    install_package(archives["en-lv-prefix"], tmp_path / "models")
    out = ArgosTranslator(tmp_path / "models", threads=1).translate(
        ["Hello there, customer."], "en", "lv"
    )
    assert "__lv__" not in out[0]


@pytest.fixture
def with_models(tmp_path, models) -> Settings:
    """One new Italian article (the tiny model's one-word sentences would make long seed
    paragraphs look like loops) and the installed tiny models."""
    content = tmp_path / "content"
    write_article(content, "it/richiamare.txt", NEW_ITALIAN)
    return Settings(data_dir=tmp_path / "var", content_dir=content, models_dir=models)


def test_ingest_machine_translates_a_new_italian_article(with_models):
    report = run_ingest(with_models)  # the default translator: the installed Argos models
    assert report.exit_code == 0, report
    assert report.translation.models == {
        "it→en": "argos:it-en@0.1",
        "it→lv": "argos:it-en@0.1+argos:en-lv@0.1",
    }
    assert report.translation.model_calls > 0 and report.translation.flagged == []
    published = PublishedIndex.open_current(with_models.data_dir)
    new_tips = published.articles["it/richiamare"].tips
    for lang, model in (("en", "argos:it-en@0.1"), ("lv", "argos:it-en@0.1+argos:en-lv@0.1")):
        record = published.tip(new_tips[0], lang)
        assert record.lang == lang
        assert record.translation.provenance == "machine"
        assert record.translation.model == model
        assert record.source.text.startswith("Promettete al cliente")
    # no model for it→zh: shown in Italian, said so in the report
    assert published.tip(new_tips[0], "zh").translation.provenance == "none"
    assert report.translation.untranslated == {"it→ru": 2, "it→zh": 2}
    published.close()


def test_warm_reingest_with_real_models_makes_zero_model_calls(with_models):
    first = run_ingest(with_models)
    again = run_ingest(with_models)  # nothing changed: stops before building any record
    assert first.translation.model_calls > 0
    assert (again.status, again.translation.model_calls) == ("up-to-date", 0)
    rebuilt = run_ingest(with_models, force=True)  # everything again: all from memory
    assert rebuilt.translation.model_calls == 0
    assert rebuilt.translation.segments_translated == 0
    assert rebuilt.translation.segments_from_memory == first.translation.segments_translated


def test_a_looping_model_is_flagged_not_indexed(tmp_path, articles_only, archives):
    install_package(archives["it-en-loops"], tmp_path / "models")
    settings = Settings(
        data_dir=tmp_path / "var", content_dir=articles_only, models_dir=tmp_path / "models"
    )
    report = run_ingest(settings)
    assert report.exit_code == 0
    flagged = {p.path: p.reason for p in report.translation.flagged}
    assert len(flagged) >= 10  # random weights run on and loop on most of the 18 tips
    assert all(
        reason.startswith("machine translation into en not used: ")
        and any(why in reason for why in ("as long as the input", "repeats", "holds", "cap"))
        for reason in flagged.values()
    )
    published = PublishedIndex.open_current(settings.data_dir)
    for tip_id in published.articles["it/customer-service-with-great-profits"].tips:
        record = published.tip(tip_id, "en")
        expected = "none" if tip_id in flagged else "machine"
        assert record.translation.provenance == expected, tip_id
    published.close()


def test_models_cli_install_and_list(tmp_path, archives, monkeypatch):
    monkeypatch.setenv("CSGUIDE_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        empty = runner.invoke(app, ["models", "list"])
        assert "No translation models" in empty.output
        result = runner.invoke(
            app, ["models", "install", str(archives["it-en"]), str(archives["en-lv"])]
        )
        assert result.exit_code == 0, result.output
        assert "installed argos:it-en@0.1" in result.output
        listing = json.loads(runner.invoke(app, ["models", "list", "--json"]).output)
        assert [(p["from_lang"], p["to_lang"], p["version"]) for p in listing["packages"]] == [
            ("en", "lv", "0.1"),
            ("it", "en", "0.1"),
        ]
        assert listing["routes"]["it→lv"] == "argos:it-en@0.1+argos:en-lv@0.1"
        bad = runner.invoke(app, ["models", "install", str(tmp_path / "nope.argosmodel")])
        assert bad.exit_code == 2 and "no such file" in bad.output
        odd = tmp_path / "models [b]copy.argosmodel"  # rich markup in a file name
        odd.write_text("not a zip")
        shown = runner.invoke(app, ["models", "install", str(odd)])
        assert shown.exit_code == 2
        assert "models [b]copy.argosmodel: not an .argosmodel" in shown.output
    finally:
        get_settings.cache_clear()
