"""The labelled articles of tests/pipeline/articles: each article (.txt, .md, .html, or a Word
spec .docx.yaml that is built into a real .docx) and its expected cut (.expect.yaml).

``python -m tests.article_labels`` prints the share of tips that match their labels, per article
and per format: the figure issue notes quote.
"""

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.load import load_content
from pipeline.normalise import normalise_article
from pipeline.schema import Tip
from pipeline.segment import segment_article
from tests.docx_builder import build_docx

ARTICLES = Path(__file__).resolve().parent / "pipeline" / "articles"
#: Written later by someone who had not seen the code, to measure how the cut generalises.
HELD_OUT = Path(__file__).resolve().parent / "pipeline" / "articles_heldout"
LABEL_SUFFIX = ".expect.yaml"


@dataclass
class LabelledArticle:
    name: str  # "lv-refund-policy.md"
    lang: str
    source: Path
    labels: dict

    @property
    def format(self) -> str:
        return "docx" if self.name.endswith(".docx.yaml") else self.source.suffix.lstrip(".")

    @property
    def file_name(self) -> str:
        slug = self.name.split("-", 1)[1]
        return slug.removesuffix(".yaml") if self.format == "docx" else slug


def labelled_articles(folder: Path = ARTICLES) -> list[LabelledArticle]:
    found = []
    for source in sorted(folder.iterdir()):
        if source.name.endswith(LABEL_SUFFIX) or source.name.startswith("."):
            continue
        stem = source.name.removesuffix(".docx.yaml").rsplit(".", 1)[0]
        if source.name.endswith(".docx.yaml"):
            stem = source.name.removesuffix(".docx.yaml")
        labels = yaml.safe_load((folder / f"{stem}{LABEL_SUFFIX}").read_text(encoding="utf-8"))
        found.append(LabelledArticle(source.name, source.name[:2], source, labels))
    return found


def install(article: LabelledArticle, content_dir: Path) -> Path:
    """Put the article where editors would: content/<lang>/<slug>.<ext>."""
    target = content_dir / article.lang / article.file_name
    target.parent.mkdir(parents=True, exist_ok=True)
    if article.format == "docx":
        build_docx(yaml.safe_load(article.source.read_text(encoding="utf-8")), target)
    else:
        shutil.copyfile(article.source, target)
    return target


def cut(article: LabelledArticle, content_dir: Path) -> tuple[str, list[Tip]]:
    """The article's title and tips, through the pipeline's own load, normalise and segment."""
    install(article, content_dir)
    loaded = load_content(content_dir, 1 << 20)
    assert not loaded.rejected, loaded.rejected
    (source,) = [
        f for f in loaded.files if f.id == f"{article.lang}/{Path(article.file_name).stem}"
    ]
    normalised = normalise_article(source).article
    return normalised.title, segment_article(normalised)


@dataclass
class Score:
    article: str
    expected: int
    matched: int
    extra: int
    problems: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.matched / max(self.expected + self.extra, 1)


def score(article: LabelledArticle, title: str, tips: list[Tip]) -> Score:
    labels = article.labels
    expected = labels["tips"]
    never = labels.get("never", [])
    result = Score(article.name, len(expected), 0, 0)
    if title != labels["title"]:
        result.problems.append(f"title {title!r}, expected {labels['title']!r}")
    used: set[int] = set()
    for number, want in enumerate(expected):
        key = want["has"][0]
        found = [i for i, tip in enumerate(tips) if key in tip.text]
        if not found:
            result.problems.append(f"tip {number}: no tip has {key!r}")
            continue
        index = found[0]
        tip = tips[index]
        used.add(index)
        faults = [f"misses {f!r}" for f in want["has"][1:] if f not in tip.text]
        if tip.title != want["title"]:
            faults.append(f"title {tip.title!r}, expected {want['title']!r}")
        if "context" in want and tip.context != want["context"]:
            faults.append(f"context {tip.context!r}, expected {want['context']!r}")
        if tip.kind != want["kind"]:
            faults.append(f"kind {tip.kind}, expected {want['kind']}")
        shown = f"{tip.title}\n{tip.context}\n{tip.text}"
        faults += [f"shows {bad!r}" for bad in never if bad in shown]
        if faults:
            result.problems.append(f"tip {number} ({key!r}): " + "; ".join(faults))
        else:
            result.matched += 1
    for index, tip in enumerate(tips):
        if index not in used:
            result.extra += 1
            result.problems.append(f"unexpected tip [{tip.kind}] {tip.title!r}: {tip.text[:70]!r}")
    return result


def main() -> None:
    import tempfile

    by_format: dict[str, list[Score]] = {}
    folder = HELD_OUT if "--held-out" in sys.argv else ARTICLES
    with tempfile.TemporaryDirectory() as tmp:
        for article in labelled_articles(folder):
            content = Path(tmp) / article.name
            title, tips = cut(article, content)
            result = score(article, title, tips)
            by_format.setdefault(article.format, []).append(result)
            print(
                f"{result.share:6.1%}  {result.matched:3}/{result.expected + result.extra:<3} {article.name}"
            )
            for problem in result.problems if "-v" in sys.argv else ():
                print("        ", problem)
    total = [s for scores in by_format.values() for s in scores]
    for fmt, scores in sorted(by_format.items()):
        matched = sum(s.matched for s in scores)
        count = sum(s.expected + s.extra for s in scores)
        print(f"{fmt:5} {matched}/{count} = {matched / count:.1%}")
    matched = sum(s.matched for s in total)
    count = sum(s.expected + s.extra for s in total)
    print(f"all   {matched}/{count} = {matched / count:.1%} of tips match their labels")


if __name__ == "__main__":
    main()
