"""Typo candidates: a scan of the terms sharing a word's first letter against the deletion
index (:mod:`pipeline.typo_index`), side by side, for vocabularies from bench size to large.

    .venv/bin/python -m bench.typo_candidates [--sizes 500,5000,50000] [--words 600]

The bundled articles hold a few thousand distinct words, far fewer than a real corpus of a
language, so each vocabulary is made of words that look like a language's: drawn from a
letter-trigram model of the bundled articles' own words in it (Latvian, Italian, Russian).
The misspelt words are vocabulary words with one or two edits (substitution, deletion,
insertion, transposition; not on the first letter) and made-up words; each has the budget
:func:`pipeline.matching.typo_budget` gives it.

For each vocabulary and budget the three ways are timed over the same words in alternating
rounds, and their answers are compared: ``scan`` (every term sharing the first letter),
``index`` (the deletion index alone) and ``chosen`` (what :class:`Vocabulary` does: the scan
below :data:`pipeline.matching.SCAN_BELOW`, the index above). Also printed: the index's size
and build time.
"""

import argparse
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from pipeline.matching import SCAN_BELOW, Vocabulary, query_words, surface_form, typo_budget
from pipeline.typo_index import DeletionIndex

BUNDLED = Path(__file__).resolve().parents[1] / "content"
LANGS = ("lv", "it", "ru")


def bundled_words(lang: str) -> list[str]:
    """The distinct words (as folded for ``lang``) of the bundled articles written in it and
    of every article's translation into it."""
    texts = [path.read_text(encoding="utf-8") for path in (BUNDLED / lang).glob("*.txt")]
    texts += [path.read_text(encoding="utf-8") for path in BUNDLED.glob(f"*/*.{lang}.yaml")]
    words = {surface_form(word, lang) for text in texts for word in query_words(text)}
    return sorted(word for word in words if word.isalpha() and len(word) >= 2)


def made_up_vocabulary(lang: str, size: int, rng: random.Random) -> dict[str, int]:
    """``size`` distinct words from a letter-trigram model of ``lang``'s bundled words, with
    Zipf-like tip counts."""
    model: dict[str, Counter[str]] = defaultdict(Counter)
    lengths = []
    for word in bundled_words(lang):
        padded = f"^^{word}$"
        lengths.append(len(word))
        for i in range(len(word) + 1):
            model[padded[i : i + 2]][padded[i + 2]] += 1
    choices = {context: (list(c), list(c.values())) for context, c in model.items()}
    found: set[str] = set()
    while len(found) < size:
        word, context = "", "^^"
        while len(word) < 24:
            letters, weights = choices[context]
            letter = rng.choices(letters, weights)[0]
            if letter == "$":
                break
            word += letter
            context = context[1] + letter
        if len(word) >= 2:
            found.add(word)
    return {word: max(1, int(2000 / (rank + 1))) for rank, word in enumerate(sorted(found))}


def misspelt(terms: list[str], count: int, rng: random.Random) -> list[str]:
    """Words with one or two typos after their first letter, and a few made-up ones."""
    alphabet = sorted({letter for term in terms for letter in term})
    words: list[str] = []
    while len(words) < count:
        word = rng.choice(terms)
        if len(word) < 5:
            continue
        for _ in range(rng.choice((1, 1, 2))):
            at = rng.randrange(1, len(word))
            edit = rng.choice("sdit")
            if edit == "s":
                word = word[:at] + rng.choice(alphabet) + word[at + 1 :]
            elif edit == "d":
                word = word[:at] + word[at + 1 :]
            elif edit == "i":
                word = word[:at] + rng.choice(alphabet) + word[at:]
            elif at + 1 < len(word):
                word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        if rng.random() < 0.15:
            word = word[0] + "".join(rng.sample(word[1:], len(word) - 1))
        if typo_budget(word):
            words.append(word)
    return words


def timed(near: Callable[[str, int], list[str]], words: list[str]) -> float:
    start = time.perf_counter()
    for word in words:
        near(word, typo_budget(word))
    return (time.perf_counter() - start) / len(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="500,5000,50000")
    parser.add_argument("--words", type=int, default=600, help="misspelt words a vocabulary")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(0)
    print(
        f"{'lang':4} {'terms':>7} {'budget':>6} {'words':>5} "
        f"{'scan µs':>8} {'index µs':>8} {'chosen µs':>9} {'index/scan':>10} "
        f"{'chosen/scan':>11}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        for lang in LANGS:
            frequencies = made_up_vocabulary(lang, size, rng)
            started = time.perf_counter()
            deletions = DeletionIndex.build(sorted(frequencies))
            built = time.perf_counter() - started
            words = misspelt(sorted(frequencies), args.words, rng)
            ways = {
                name: Vocabulary(frequencies, deletions, scan_below=below)
                for name, below in (("scan", 10**9), ("index", 0), ("chosen", SCAN_BELOW))
            }
            answers = {
                name: [vocabulary.near(word, typo_budget(word)) for word in words]
                for name, vocabulary in ways.items()
            }
            if not answers["scan"] == answers["index"] == answers["chosen"]:
                raise SystemExit(f"{lang} {size}: the scan and the index disagree")
            for budget in (1, 2):
                mine = [word for word in words if typo_budget(word) == budget]
                spent: dict[str, list[float]] = defaultdict(list)
                for _ in range(args.rounds):
                    for name, vocabulary in ways.items():
                        spent[name].append(timed(vocabulary.near, mine))
                best = {name: min(times) * 1e6 for name, times in spent.items()}
                print(
                    f"{lang:4} {size:7,} {budget:6} {len(mine):5} {best['scan']:8.1f} "
                    f"{best['index']:8.1f} {best['chosen']:9.1f} "
                    f"{best['index'] / best['scan']:10.3f} {best['chosen'] / best['scan']:11.3f}"
                )
            print(
                f"     index of {size:,} {lang} terms: {len(deletions):,} keys, "
                f"{(deletions.keys.nbytes + deletions.terms.nbytes) / 2**20:.1f} MiB, "
                f"built in {built:.2f} s"
            )


if __name__ == "__main__":
    main()
