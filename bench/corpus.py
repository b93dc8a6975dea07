"""A synthetic corpus recombined from the bundled articles' own sentences.

    .venv/bin/python -m bench.corpus OUT_DIR [--per-lang 250] [--seed 0] [--format txt]

Each synthetic article takes a title and section headings from the bundled articles of its
language and fills 3–6 sections with paragraphs of 2–4 of their sentences and, now and then, a
bulleted list: about 10 tips an article, so 250 articles per language give about 10,000 tips.
Deterministic for a given seed. Texts stay in one language each, so they pass the language
check like real articles. The same articles can be written as plain text, Markdown, an HTML
page or a Word document (``--format``): every format gives the same tips. The bundled glossary
comes along, as editors keep one beside their articles: searches expand its terms.
"""

import argparse
import html
import random
from dataclasses import dataclass, field
from pathlib import Path

import docx

from pipeline.glossary import GLOSSARY_SOURCE
from pipeline.ingest import read_article, run_ingest
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


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)


@dataclass
class Article:
    title: str
    sections: list[Section] = field(default_factory=list)


def _article(
    rng: random.Random, lang: str, sentences: list[str], headings: list[str], n: int
) -> Article:
    glue = "" if lang == "zh" else " "
    article = Article(f"{rng.choice(headings)} ({n})")
    for _ in range(rng.randint(3, 6)):
        section = Section(rng.choice(headings))
        for _ in range(rng.randint(1, 2)):
            section.paragraphs.append(glue.join(rng.sample(sentences, rng.randint(2, 4))))
        if rng.random() < 0.4:
            section.bullets = [rng.choice(sentences) for _ in range(rng.randint(2, 4))]
        article.sections.append(section)
    return article


def as_text(article: Article) -> str:
    lines = [article.title, ""]
    for section in article.sections:
        lines += [section.heading, ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        if section.bullets:
            lines += [f"• {bullet}" for bullet in section.bullets] + [""]
    return "\n".join(lines)


def _markdown_escaped(text: str) -> str:
    # Sentences may hold *, _, [ or a leading number: kept literal, as an editor would.
    for char in "\\`*_[]<>#|":
        text = text.replace(char, f"\\{char}")
    return text


def as_markdown(article: Article) -> str:
    lines = [f"# {_markdown_escaped(article.title)}", ""]
    for section in article.sections:
        lines += [f"## {_markdown_escaped(section.heading)}", ""]
        for paragraph in section.paragraphs:
            lines += [_markdown_escaped(paragraph), ""]
        if section.bullets:
            lines += [f"- {_markdown_escaped(bullet)}" for bullet in section.bullets] + [""]
    return "\n".join(lines)


def as_html(article: Article, lang: str) -> str:
    """A help-centre style page: the article inside the site's header, nav and footer."""
    body = [f'<h1 class="article-title">{html.escape(article.title)}</h1>']
    body.append('<div class="article-body">')
    for section in article.sections:
        body.append(f"<h2>{html.escape(section.heading)}</h2>")
        body += [f"<p>{html.escape(paragraph)}</p>" for paragraph in section.paragraphs]
        if section.bullets:
            items = "".join(f"<li>{html.escape(bullet)}</li>" for bullet in section.bullets)
            body.append(f"<ul>{items}</ul>")
    body.append("</div>")
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(article.title)}</title><script>var analytics = [];</script>"
        "<style>body{font-family:sans-serif}</style></head><body>"
        '<header><a href="/"><img src="/logo.png" alt="Logo"></a><nav><a href="/">Home</a></nav>'
        "</header><main><article>" + "\n".join(body) + "</article></main>"
        "<footer>© Support centre</footer></body></html>"
    )


def as_docx(article: Article, path: Path) -> None:
    document = docx.Document()
    document.add_paragraph(article.title, style="Title")
    for section in article.sections:
        document.add_paragraph(section.heading, style="Heading 1")
        for paragraph in section.paragraphs:
            document.add_paragraph(paragraph)
        for bullet in section.bullets:
            document.add_paragraph(bullet, style="List Bullet")
    document.save(str(path))


FORMATS = ("txt", "md", "html", "docx")


def generate(out: Path, per_lang: int = 250, seed: int = 0, file_format: str = "txt") -> int:
    """Write ``per_lang`` articles per content language under ``out`` as ``file_format`` files;
    returns how many."""
    rng = random.Random(seed)
    written = 0
    out.mkdir(parents=True, exist_ok=True)
    (out / GLOSSARY_SOURCE).write_bytes((BUNDLED / GLOSSARY_SOURCE).read_bytes())
    for lang in CONTENT_LANGS:
        sentences, headings = _material(lang)
        folder = out / lang
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(per_lang):
            article = _article(rng, lang, sentences, headings, n)
            path = folder / f"synthetic-{n:05d}.{file_format}"
            if file_format == "docx":
                as_docx(article, path)
            else:
                text = {
                    "txt": as_text,
                    "md": as_markdown,
                    "html": lambda a: as_html(a, lang),  # noqa: B023 (called at once)
                }[file_format](article)
                path.write_text(text, encoding="utf-8")
            written += 1
    return written


def ingested(root: Path, per_lang: int = 250) -> Settings:
    """The corpus generated into ``root``/content and ingested into ``root``/var: the set-up
    every bench that serves it starts with."""
    generate(root / "content", per_lang)
    settings = Settings(content_dir=root / "content", data_dir=root / "var")
    report = run_ingest(settings)
    assert report.exit_code == 0, report.message
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-lang", type=int, default=250)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=FORMATS, default="txt")
    args = parser.parse_args()
    written = generate(args.out, args.per_lang, args.seed, args.format)
    print(f"wrote {written} articles under {args.out}")


if __name__ == "__main__":
    main()
