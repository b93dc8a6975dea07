"""A synthetic corpus recombined from the bundled articles' own sentences.

    .venv/bin/python -m bench.corpus OUT_DIR [--per-lang 250] [--seed 0]

Each synthetic article takes a title and section headings from the bundled articles of its
language and fills 3–6 sections with paragraphs of 2–4 of their sentences and, now and then, a
bulleted list: about 10 tips an article, so 250 articles per language give about 10,000 tips.
Deterministic for a given seed. Texts stay in one language each, so they pass the language
check like real articles.
"""

import argparse
import random
from pathlib import Path

from pipeline.ingest import read_article
from pipeline.languages import CONTENT_LANGS
from pipeline.load import load_content
from pipeline.sentences import split_sentences
from pipeline.settings import Settings

BUNDLED = Path(__file__).resolve().parents[1] / "content"


def _material(lang: str) -> tuple[list[str], list[str]]:
    """Sentences and headings of the bundled articles in ``lang``."""
    settings = Settings(content_dir=BUNDLED)
    loaded = load_content(BUNDLED, settings.max_article_bytes)
    sentences: list[str] = []
    headings: list[str] = []
    for source in loaded.files:
        if source.lang != lang:
            continue
        article, tips = read_article(settings, source.id)
        headings.append(article.title)
        for tip in tips:
            lines = split_sentences(tip.text, lang)
            sentences.extend(s for line in lines for s in line if len(s) > 15)
            if tip.title not in headings:
                headings.append(tip.title)
    return sentences, headings


def _article(
    rng: random.Random, lang: str, sentences: list[str], headings: list[str], n: int
) -> str:
    glue = "" if lang == "zh" else " "
    lines = [f"{rng.choice(headings)} ({n})", ""]
    for _ in range(rng.randint(3, 6)):
        lines += [rng.choice(headings), ""]
        for _ in range(rng.randint(1, 2)):
            lines += [glue.join(rng.sample(sentences, rng.randint(2, 4))), ""]
        if rng.random() < 0.4:
            lines += [f"• {rng.choice(sentences)}" for _ in range(rng.randint(2, 4))] + [""]
    return "\n".join(lines)


def generate(out: Path, per_lang: int = 250, seed: int = 0) -> int:
    """Write ``per_lang`` articles per content language under ``out``; returns how many."""
    rng = random.Random(seed)
    written = 0
    for lang in CONTENT_LANGS:
        sentences, headings = _material(lang)
        folder = out / lang
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(per_lang):
            text = _article(rng, lang, sentences, headings, n)
            (folder / f"synthetic-{n:05d}.txt").write_text(text, encoding="utf-8")
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-lang", type=int, default=250)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"wrote {generate(args.out, args.per_lang, args.seed)} articles under {args.out}")


if __name__ == "__main__":
    main()
