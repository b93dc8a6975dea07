"""Ingest by article format: the same corpus as plain text, Markdown, HTML pages and Word files.

    .venv/bin/python -m bench.formats [--per-lang 250] [--rounds 2]

bench/corpus.py writes its articles (the default bench size: 250 per content language) in each
format; every format must give the same tips. Each cold ingest runs in a fresh process, the
formats taking turns (in one order, then the reverse) so the machine's drift falls on all of
them alike; the fastest of each format's runs is kept. Printed per format: cold ingest and its
ratio to plain text (target ≤ 1.3), the reading stage alone (load, normalise, segment, in
process) and its ratio, and the peak RSS of the ingest process and of its largest index
builder. Ingests run with no translation model installed: the figures are about reading.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import FORMATS, generate
from pipeline.load import load_content
from pipeline.normalise import normalise_article
from pipeline.segment import segment_article

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from pipeline.ingest import run_ingest
from pipeline.settings import Settings
content, data = map(Path, sys.argv[1:3])
start = time.perf_counter()
report = run_ingest(Settings(content_dir=content, data_dir=data))
seconds = time.perf_counter() - start
print(json.dumps({
    "seconds": seconds,
    "status": report.status,
    "tips": report.tip_count,
    "rejected": len(report.rejected),
    "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "builder_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def cold_ingest(content: Path, data: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(content), str(data)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def read_stage(content: Path) -> tuple[float, list[tuple[str, str, str, str]]]:
    """Seconds to load, normalise and segment every article, and the tips it gave."""
    start = time.perf_counter()
    loaded = load_content(content, 1 << 20)
    tips = [
        (tip.id, tip.title, tip.context, tip.kind)
        for source in loaded.files
        for tip in segment_article(normalise_article(source).article)
    ]
    return time.perf_counter() - start, tips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-lang", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csguide-formats-") as tmp:
        scratch = Path(tmp)
        sizes = {}
        for fmt in FORMATS:
            generate(scratch / fmt / "content", args.per_lang, file_format=fmt)
            files = list((scratch / fmt / "content").rglob(f"*.{fmt}"))
            sizes[fmt] = sum(f.stat().st_size for f in files) / 1e6
        reading: dict[str, list[float]] = {fmt: [] for fmt in FORMATS}
        ingests: dict[str, list[dict[str, float]]] = {fmt: [] for fmt in FORMATS}
        tips_by_format = {}
        for round_number in range(args.rounds):
            order = FORMATS if round_number % 2 == 0 else tuple(reversed(FORMATS))
            for fmt in order:
                seconds, tips = read_stage(scratch / fmt / "content")
                reading[fmt].append(seconds)
                tips_by_format[fmt] = tips
                data = scratch / fmt / f"var{round_number}"
                figures = cold_ingest(scratch / fmt / "content", data)
                assert figures["status"] == "published", figures
                ingests[fmt].append(figures)
                print(f"  round {round_number + 1} {fmt:<4} cold ingest {figures['seconds']:.1f} s")
    base_ingest = min(f["seconds"] for f in ingests["txt"])
    base_read = min(reading["txt"])
    same = all(sorted(tips_by_format[f]) == sorted(tips_by_format["txt"]) for f in FORMATS)
    tips = len(tips_by_format["txt"])
    print(
        f"\nIngest by format: {args.per_lang} articles per language, {tips} tips each; "
        f"same tips in every format: {'yes' if same else 'NO'}"
    )
    header = (
        f"{'format':<7}{'files MB':>9}{'cold ingest s':>15}{'× txt':>7}"
        f"{'reading s':>11}{'× txt':>7}{'RSS MiB':>9}{'builder MiB':>13}"
    )
    print(header)
    for fmt in FORMATS:
        best = min(ingests[fmt], key=lambda f: f["seconds"])
        read = min(reading[fmt])
        seconds = best["seconds"]
        print(
            f"{fmt:<7}{sizes[fmt]:>9.1f}{seconds:>15.1f}{seconds / base_ingest:>7.2f}"
            f"{read:>11.2f}{read / base_read:>7.2f}{best['rss_mib']:>9.0f}"
            f"{best['builder_rss_mib']:>13.0f}"
        )


if __name__ == "__main__":
    main()
