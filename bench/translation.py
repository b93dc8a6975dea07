"""Batched vs one-by-one translation on the tiny test model, measured side by side.

    .venv/bin/python -m bench.translation [--sentences N] [--rounds N]

Sentences of the bundled tips are translated it→en by a tiny random-weight Argos package built
on the fly: once through csguide's batched path (sentences sorted by length, up to 32 per
CTranslate2 translate_batch call) and once sentence by sentence (one call each), with 1 and with
2 intra-op threads. All four alternate over several rounds on models loaded once; medians are
reported with their ratios. Absolute times drift on a shared machine; compare the ratios.

The tiny model (d_model 32) has almost no arithmetic to share out, so this measures per-call
and per-step overhead, which is what batching removes; real models also gain from larger
matrix products.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from pipeline.argos import ArgosTranslator, install_package
from pipeline.ingest import read_article
from pipeline.load import load_content
from pipeline.sentences import split_sentences
from pipeline.settings import Settings
from tests.tiny_model import build_tiny_argosmodel


def corpus_sentences(content_dir: Path) -> list[str]:
    settings = Settings(content_dir=content_dir)
    loaded = load_content(content_dir, settings.max_article_bytes)
    tips = [tip for s in loaded.files for tip in read_article(settings, s.id)[1]]
    return [s for tip in tips for line in split_sentences(tip.text, tip.lang) for s in line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=48, help="how many corpus sentences")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--eos-bias",
        type=float,
        default=2.0,
        help="2: the model stops after a few tokens, as a trained one stops at its sentence's "
        "end; 1: it runs every output to the first decoding cap (3 × input + 32 tokens)",
    )
    args = parser.parse_args()

    sentences = corpus_sentences(Path("content"))[: args.sentences]
    timings: dict[tuple[int, str], list[float]] = {}
    calls: dict[tuple[int, str], int] = {}
    with tempfile.TemporaryDirectory(prefix="csguide-bench-") as scratch:
        models = Path(scratch) / "models"
        archive = build_tiny_argosmodel(Path(scratch), "it", "en", eos_bias=args.eos_bias)
        install_package(archive, models)
        translators = {n: ArgosTranslator(models, threads=n) for n in (1, 2)}
        for translator in translators.values():
            translator.translate(["Riscaldamento del modello."], "it", "en")  # load first

        def batched(translator: ArgosTranslator) -> None:
            translator.translate(sentences, "it", "en")

        def one_by_one(translator: ArgosTranslator) -> None:
            for sentence in sentences:
                translator.translate([sentence], "it", "en")

        for _ in range(args.rounds):
            for threads, translator in translators.items():
                for mode, run in (("batched", batched), ("one-by-one", one_by_one)):
                    before = translator.model_calls
                    start = time.perf_counter()
                    run(translator)
                    timings.setdefault((threads, mode), []).append(time.perf_counter() - start)
                    calls[(threads, mode)] = translator.model_calls - before

    median = {key: statistics.median(values) for key, values in timings.items()}
    print(
        f"tiny model it→en (eos bias {args.eos_bias}), {len(sentences)} sentences, "
        f"median of {args.rounds} rounds"
    )
    print(f"{'threads':>7} {'mode':<11} {'seconds':>8} {'calls':>6} {'sentences/s':>12}")
    for (threads, mode), seconds in sorted(median.items()):
        rate = len(sentences) / seconds
        print(f"{threads:>7} {mode:<11} {seconds:>8.3f} {calls[(threads, mode)]:>6} {rate:>12.1f}")
    for threads in (1, 2):
        ratio = median[(threads, "one-by-one")] / median[(threads, "batched")]
        print(f"{threads} thread(s): batched / one-by-one throughput = {ratio:.2f}")
    best = min(median, key=median.__getitem__)
    print(f"fastest: {best[1]} with {best[0]} thread(s)")


if __name__ == "__main__":
    main()
