"""Stage 1, load: which files become SourceFiles, which are rejected or warned about, and why."""

import datetime as dt
import os
import pathlib
from pathlib import Path

import pytest

from pipeline.load import (
    LoadResult,
    RejectedFile,
    SourceFile,
    decode_article,
    load_content,
    split_front_matter,
)
from pipeline.schema import ArticleMeta, FileProblem
from tests.helpers import BUNDLED_CONTENT as REPO_CONTENT
from tests.helpers import write_article as write

LIMIT = 1024

SEED_IDS = [
    "lv/good-vs-excellent-customer-service",
    "it/customer-service-with-great-profits",
    "zh/why-customer-service-matters",
    "ru/customer-service-what-to-know",
]


def load(content_dir: Path, max_bytes: int = LIMIT) -> LoadResult:
    return load_content(content_dir, max_bytes)


def only_rejection(result: LoadResult) -> FileProblem:
    assert result.files == []
    assert result.warnings == []
    assert len(result.rejected) == 1, result.rejected
    return result.rejected[0]


# --- the repository's own content ---------------------------------------------------------------


def test_repo_content_loads_all_four_seed_articles_cleanly():
    result = load(REPO_CONTENT, 1024 * 1024)

    assert [f.id for f in result.files] == SEED_IDS
    assert [f.lang for f in result.files] == ["lv", "it", "zh", "ru"]
    assert [f.path for f in result.files] == [f"{i}.txt" for i in SEED_IDS]
    assert result.rejected == []
    assert result.warnings == []


def test_repo_content_text_is_the_file_text():
    result = load(REPO_CONTENT, 1024 * 1024)
    for source in result.files:
        on_disk = (REPO_CONTENT / source.path).read_text(encoding="utf-8")
        assert source.text == on_disk
        assert source.meta == ArticleMeta()
    it = next(f for f in result.files if f.lang == "it")
    assert it.text.startswith("Sunday, November 21, 2010\n\nServizio clienti con grandi profitti\n")
    assert it.text.endswith("No comments:\n\nPost a Comment")


# --- decode_article -----------------------------------------------------------------------------

AS_UTF8 = "; if it is text, save it as UTF-8"


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"\xef\xbb\xbfTitolo\nTesto", "Titolo\nTesto"),
        (b"Titolo\r\nTesto\r\n", "Titolo\nTesto\n"),
        (b"Titolo\rTesto\r", "Titolo\nTesto\n"),
        (b"a\r\n\r\nb\rc\nd", "a\n\nb\nc\nd"),
        (b"\xef\xbb\xbfA\r\nB\rC", "A\nB\nC"),
        ("Šāda\r\nкак\r为什么".encode(), "Šāda\nкак\n为什么"),
        # only a *leading* BOM is dropped
        (b"a\xef\xbb\xbfb", "a\ufeffb"),
    ],
)
def test_decode_article_drops_bom_and_unifies_line_breaks(raw, text):
    assert decode_article(raw) == text


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"hello\xff", "not valid UTF-8: byte 0xff at offset 5; save the file as UTF-8"),
        (b"ab\xc3", "not valid UTF-8: byte 0xc3 at offset 2; save the file as UTF-8"),
        (
            "Città".encode("latin-1"),
            "not valid UTF-8: byte 0xe0 at offset 4; save the file as UTF-8",
        ),
        (b"ab\x00c", f"binary file, not text (NUL byte at offset 2){AS_UTF8}"),
        (b"\x00", f"binary file, not text (NUL byte at offset 0){AS_UTF8}"),
        # a NUL is reported as binary even when the bytes are not UTF-8 either
        (b"\xfe\xbbH\x00i\x00", f"binary file, not text (NUL byte at offset 3){AS_UTF8}"),
        # UTF-16 without its BOM cannot be told from binary
        ("Città".encode("utf-16-le"), f"binary file, not text (NUL byte at offset 1){AS_UTF8}"),
        (b"\xff\xfeH\x00\x00\x00", "binary file, not text (a NUL character)"),
        (
            b"\xff\xfeH\x00\x00\xd8",  # a lone surrogate
            "not valid UTF-16 (it starts as UTF-16 does): bytes at offset 4; save the file as UTF-8",
        ),
    ],
)
def test_decode_article_rejects_non_utf8_and_binary(raw, reason):
    with pytest.raises(RejectedFile) as excinfo:
        decode_article(raw)
    assert str(excinfo.value) == reason


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_its_bom_is_read_as_notepad_saves_unicode(encoding):
    text = "Atbildiet ātri\r\n\r\nКлиент ждёт ответа. 为什么客户服务如此重要？\r\n"
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    raw = bom + text.encode(encoding)
    assert raw[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert decode_article(raw) == text.replace("\r\n", "\n")


# --- split_front_matter -------------------------------------------------------------------------


def test_front_matter_fields_are_parsed_and_body_starts_after_closing_line():
    text = (
        "---\n"
        "title: Rispondere entro tre squilli\n"
        "tags: [telefono, velocità]\n"
        "author: Maria Rossi\n"
        "date: 2010-11-21\n"
        "source: https://example.org/post\n"
        "---\n"
        "Prima riga del testo.\n"
        "\n"
        "Seconda.\n"
    )
    body, meta, warnings = split_front_matter(text)

    assert body == "Prima riga del testo.\n\nSeconda.\n"
    assert meta == ArticleMeta(
        title="Rispondere entro tre squilli",
        tags=("telefono", "velocità"),
        author="Maria Rossi",
        date=dt.date(2010, 11, 21),
        source="https://example.org/post",
    )
    assert warnings == []


@pytest.mark.parametrize(
    ("tags_line", "tags"),
    [
        ("tags: [a, b c, d]", ("a", "b c", "d")),
        ("tags:\n  - a\n  - b", ("a", "b")),
        ("tags: refunds, phone ,  , tone", ("refunds", "phone", "tone")),
        ("tags: single", ("single",)),
        ('tags: ""', ()),
    ],
)
def test_front_matter_tags_as_list_or_comma_string(tags_line, tags):
    body, meta, _ = split_front_matter(f"---\n{tags_line}\n---\nbody")
    assert meta.tags == tags
    assert body == "body"


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("---\ntitle: T\n...\nbody\n", "body\n"),  # YAML document end marker closes too
        ("---  \ntitle: T\n---\t\nbody", "body"),  # trailing blanks on the fences
        ("---\ntitle: T\n---\n\n\nbody", "\n\nbody"),  # body kept as is after the fence line
    ],
)
def test_front_matter_closing_variants(text, body):
    got_body, meta, _ = split_front_matter(text)
    assert got_body == body
    assert meta.title == "T"


@pytest.mark.parametrize(
    "text",
    [
        "No front matter here.\n---\ntitle: x\n---\n",
        " ---\ntitle: x\n---\nbody",  # the fence must start the file
    ],
)
def test_text_without_a_leading_front_matter_block_is_all_body(text):
    assert split_front_matter(text) == (text, ArticleMeta(), [])


def test_front_matter_without_its_closing_line_is_read_up_to_the_first_blank_line():
    body, meta, warnings = split_front_matter("---\ntitle: Zvani\ntags: [a]\n\nTeksts.\n")
    assert (body, meta) == ("Teksts.\n", ArticleMeta(title="Zvani", tags=("a",)))
    assert warnings == ["front matter has no closing '---': read up to the first blank line"]


@pytest.mark.parametrize(
    "text", ["---\ntitle: x\nbody with no closing fence", "---\nJust text after a rule.\n\nMore."]
)
def test_an_unclosed_fence_that_is_no_metadata_is_rejected_not_titled_dashes(text):
    with pytest.raises(RejectedFile, match="opened with '---' on line 1 is never closed"):
        split_front_matter(text)


def test_empty_front_matter_block_gives_default_meta():
    assert split_front_matter("---\n---\nbody") == ("body", ArticleMeta(), [])


def test_unknown_front_matter_keys_are_named_in_a_warning():
    body, meta, warnings = split_front_matter("---\ntitle: T\nlayout: post\ncategory: x\n---\nbody")
    assert body == "body"
    assert meta == ArticleMeta(title="T")
    assert warnings == [
        "front matter keys ignored: category, layout (known: author, date, source, tags, title)"
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("---\ntitle: [unclosed\n---\nbody", "front matter is not valid YAML at line 3"),
        ("---\ntitle: a: b: c\n---\nbody", "front matter is not valid YAML at line 2"),
        ("---\n- a\n- b\n---\nbody", "front matter must be a YAML mapping (key: value lines)"),
        (
            "---\njust a sentence\n---\nbody",
            "front matter must be a YAML mapping (key: value lines)",
        ),
    ],
)
def test_malformed_front_matter_is_rejected(text, reason):
    with pytest.raises(RejectedFile) as excinfo:
        split_front_matter(text)
    assert str(excinfo.value) == reason


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('date: "not a date"', "date"),
        ('date: "2010-02-30"', "date"),
        ("title: [a, b]", "title"),
        ("author: {name: x}", "author"),
        ("tags: {a: 1}", "tags"),
    ],
)
def test_bad_front_matter_value_is_rejected_naming_the_field(line, field):
    with pytest.raises(RejectedFile) as excinfo:
        split_front_matter(f"---\n{line}\n---\nbody")
    assert str(excinfo.value).startswith(f"front matter field '{field}': ")


@pytest.mark.parametrize(
    ("lines", "title", "tags"),
    [
        ("title: 2024\ntags: [2024, faq]", "2024", ("2024", "faq")),
        ("title: Yes\ntags: yes, no", "Yes", ("yes", "no")),
        ("title: 1.5\ntags: [0x1A, on]", "1.5", ("0x1A", "on")),
    ],
)
def test_front_matter_numbers_and_yes_no_are_the_text_written(lines, title, tags):
    _, meta, _ = split_front_matter(f"---\n{lines}\ndate: 2010-11-21\n---\nbody")
    assert (meta.title, meta.tags) == (title, tags)
    assert meta.date == dt.date(2010, 11, 21)  # a date is still a date


@pytest.mark.parametrize("value", ["2010-02-30", "2010-13-01"])
def test_impossible_unquoted_date_is_a_front_matter_rejection(value):
    # YAML itself turns an unquoted 2010-02-30 into a date and fails doing so.
    with pytest.raises(RejectedFile) as excinfo:
        split_front_matter(f"---\ndate: {value}\n---\nbody")
    assert str(excinfo.value).startswith("front matter")


def test_impossible_unquoted_date_rejects_only_that_file(tmp_path):
    write(tmp_path, "lv/datums.txt", "---\ndate: 2010-02-30\n---\nTeksts.\n")
    write(tmp_path, "lv/labs.txt", "Virsraksts\nTeksts.\n")

    result = load(tmp_path)
    assert [f.id for f in result.files] == ["lv/labs"]
    assert [p.path for p in result.rejected] == ["lv/datums.txt"]
    assert result.rejected[0].reason.startswith("front matter")


# --- load_content: front matter through the loader ----------------------------------------------


def test_loader_applies_front_matter_after_bom_and_crlf(tmp_path):
    write(
        tmp_path,
        "it/tre-squilli.txt",
        b"\xef\xbb\xbf---\r\ntitle: Tre squilli\r\ntags: telefono, tempo\r\n---\r\nRispondi.\r\n",
    )
    result = load(tmp_path)

    assert result.rejected == []
    assert result.warnings == []
    assert result.files == [
        SourceFile(
            id="it/tre-squilli",
            lang="it",
            path="it/tre-squilli.txt",
            text="Rispondi.\n",
            meta=ArticleMeta(title="Tre squilli", tags=("telefono", "tempo")),
            first_line=5,  # the body starts on the file's fifth line
        )
    ]


def test_loader_warns_about_unknown_front_matter_keys_but_loads_the_file(tmp_path):
    write(tmp_path, "lv/raksts.txt", "---\ntitle: Virsraksts\nlayout: post\n---\nTeksts.\n")
    result = load(tmp_path)

    assert [f.id for f in result.files] == ["lv/raksts"]
    assert result.files[0].text == "Teksts.\n"
    assert result.files[0].meta.title == "Virsraksts"
    assert result.rejected == []
    assert result.warnings == [
        FileProblem(
            path="lv/raksts.txt",
            reason="front matter keys ignored: layout (known: author, date, source, tags, title)",
        )
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("---\ntitle: [oops\n---\nTeksts.\n", "front matter is not valid YAML at line 3"),
        ("---\n- a\n---\nTeksts.\n", "front matter must be a YAML mapping (key: value lines)"),
        (
            '---\ndate: "not a date"\n---\nTeksts.\n',
            "front matter field 'date': Input should be a valid date or datetime, "
            "invalid character in year",
        ),
        ("---\ntitle: Virsraksts\n---\n", "no text after the front matter"),
        ("---\ntitle: Virsraksts\n---", "no text after the front matter"),
        ("---\ntitle: Virsraksts\n---\n \n\t\n", "no text after the front matter"),
    ],
)
def test_loader_rejects_bad_front_matter_with_reason_and_relative_path(tmp_path, data, reason):
    write(tmp_path, "lv/raksts.txt", data)
    assert only_rejection(load(tmp_path)) == FileProblem(path="lv/raksts.txt", reason=reason)


# --- load_content: rejected files ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        (
            "lv/bad-bytes.txt",
            b"hello\xff",
            "not valid UTF-8: byte 0xff at offset 5; save the file as UTF-8",
        ),
        (
            "lv/image.txt",
            b"\x89PNG\r\n\x1a\n\x00\x00",
            f"binary file, not text (NUL byte at offset 8){AS_UTF8}",
        ),
        ("it/empty.txt", b"", "empty file"),
        ("it/blank.txt", b" \n\t\r\n\n", "empty file"),
        ("zh/bom-only.txt", b"\xef\xbb\xbf\r\n", "empty file"),
        (
            "ru/notes.rtf",
            "Заметки".encode(),
            "not an article: articles are .txt, .md, .markdown, .html, .htm, .docx files, "
            "translations <slug>.<lang>.yaml",
        ),
        (
            "ru/article",
            "Статья".encode(),
            "not an article: articles are .txt, .md, .markdown, .html, .htm, .docx files, "
            "translations <slug>.<lang>.yaml",
        ),
        (
            "lv/bad name!.txt",
            b"Teksts",
            "file name is not a usable slug: use letters, digits, '-', '_' or '.', e.g. "
            "'answer-within-three-rings.txt'",
        ),
        (
            "lv/-dash-first.txt",
            b"Teksts",
            "file name is not a usable slug: use letters, digits, '-', '_' or '.', e.g. "
            "'answer-within-three-rings.txt'",
        ),
    ],
)
def test_bad_file_is_rejected_with_reason_and_relative_path(tmp_path, name, data, reason):
    write(tmp_path, name, data)
    assert only_rejection(load(tmp_path)) == FileProblem(path=name, reason=reason)


def test_txt_suffix_is_case_insensitive_and_unicode_slugs_are_fine(tmp_path):
    write(tmp_path, "lv/Ārkārtas_serviss.v2.TXT", "Virsraksts\nTeksts")
    write(tmp_path, "zh/客户服务.txt", "标题\n正文")
    result = load(tmp_path)
    assert [f.id for f in result.files] == ["lv/Ārkārtas_serviss.v2", "zh/客户服务"]
    assert result.rejected == []


@pytest.mark.parametrize(("size", "loads"), [(LIMIT - 1, True), (LIMIT, True), (LIMIT + 1, False)])
def test_size_limit(tmp_path, size, loads):
    write(tmp_path, "it/lungo.txt", b"a" * size)
    result = load(tmp_path, LIMIT)
    if loads:
        assert [f.id for f in result.files] == ["it/lungo"]
        assert result.rejected == []
    else:
        assert only_rejection(result) == FileProblem(
            path="it/lungo.txt",
            reason=f"too large: {size} bytes, the limit is {LIMIT} (CSGUIDE_MAX_ARTICLE_BYTES)",
        )


def test_symlink_leading_outside_the_content_dir_is_rejected(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for users\n")
    content = tmp_path / "content"
    (content / "lv").mkdir(parents=True)
    (content / "lv" / "leak.txt").symlink_to(secret)

    assert only_rejection(load(content)) == FileProblem(
        path="lv/leak.txt", reason="symlink leads outside the content folder"
    )


def test_relative_symlink_escaping_with_dotdot_is_rejected(tmp_path):
    (tmp_path / "secret.txt").write_text("not for users\n")
    content = tmp_path / "content"
    (content / "it").mkdir(parents=True)
    (content / "it" / "leak.txt").symlink_to("../../secret.txt")

    assert only_rejection(load(content)) == FileProblem(
        path="it/leak.txt", reason="symlink leads outside the content folder"
    )


def test_symlink_to_a_file_inside_the_content_dir_loads(tmp_path):
    write(tmp_path, "it/originale.txt", "Titolo\nTesto\n")
    (tmp_path / "lv").mkdir()
    (tmp_path / "lv" / "saite.txt").symlink_to("../it/originale.txt")

    result = load(tmp_path)
    assert result.rejected == []
    assert result.warnings == []
    assert [(f.id, f.lang, f.path, f.text) for f in result.files] == [
        ("lv/saite", "lv", "lv/saite.txt", "Titolo\nTesto\n"),
        ("it/originale", "it", "it/originale.txt", "Titolo\nTesto\n"),
    ]


def test_fifo_is_rejected_as_not_a_regular_file(tmp_path):
    # A FIFO cannot be read as an article even by root (and opening it would block).
    (tmp_path / "ru").mkdir()
    os.mkfifo(tmp_path / "ru" / "pipe.txt")
    assert only_rejection(load(tmp_path)) == FileProblem(
        path="ru/pipe.txt", reason="not a regular file"
    )


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("missing.txt", "symlink leads nowhere (missing target or a loop)"),
        ("folder", "not a regular file"),
    ],
)
def test_symlink_to_nothing_or_to_a_folder_is_rejected(tmp_path, target, reason):
    (tmp_path / "zh" / "folder").mkdir(parents=True)
    (tmp_path / "zh" / "link.txt").symlink_to(target)
    result = load(tmp_path)
    assert result.files == []
    assert FileProblem(path="zh/link.txt", reason=reason) in result.rejected


def test_unreadable_file_is_rejected(tmp_path, monkeypatch):
    # chmod 000 does not stop root, so make open() fail the way it does for a normal user.
    path = write(tmp_path, "lv/slepens.txt", "Teksts")
    real_open = pathlib.Path.open

    def deny(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", deny)
    assert only_rejection(load(tmp_path)) == FileProblem(
        path="lv/slepens.txt", reason="unreadable: Permission denied"
    )


def test_symlink_loop_is_rejected_not_raised(tmp_path):
    # load_content promises never to raise for a single bad file; a symlink pointing at itself
    # is unreadable for root too (ELOOP).
    write(tmp_path, "lv/labs.txt", "Virsraksts\nTeksts")
    (tmp_path / "lv" / "cilpa.txt").symlink_to("cilpa.txt")

    result = load(tmp_path)
    assert [f.id for f in result.files] == ["lv/labs"]
    assert [p.path for p in result.rejected] == ["lv/cilpa.txt"]


def test_good_file_next_to_bad_files_still_loads(tmp_path):
    write(tmp_path, "it/buono.txt", "Titolo\nTesto\n")
    write(tmp_path, "it/binario.txt", b"\x00\x01")
    write(tmp_path, "it/latin1.txt", "perché".encode("latin-1"))
    write(tmp_path, "it/vuoto.txt", b"")
    write(tmp_path, "it/grande.txt", b"x" * (LIMIT + 1))
    write(tmp_path, "it/yaml.txt", "---\ntitle: [\n---\nTesto")
    write(tmp_path, "it/nome sbagliato.txt", "Testo")
    write(tmp_path, "ru/хорошо.txt", "Заголовок\nТекст\n")

    result = load(tmp_path)
    assert [f.id for f in result.files] == ["it/buono", "ru/хорошо"]
    assert sorted(p.path for p in result.rejected) == [
        "it/binario.txt",
        "it/grande.txt",
        "it/latin1.txt",
        "it/nome sbagliato.txt",
        "it/vuoto.txt",
        "it/yaml.txt",
    ]
    assert result.warnings == []


# --- load_content: folders, hidden files, warnings ----------------------------------------------


def test_subfolder_in_a_language_folder_gives_a_warning_and_is_not_read(tmp_path):
    write(tmp_path, "lv/labs.txt", "Virsraksts\nTeksts")
    write(tmp_path, "lv/vecie/raksts.txt", "Virsraksts\nTeksts")

    result = load(tmp_path)
    assert [f.id for f in result.files] == ["lv/labs"]
    assert result.rejected == []
    assert result.warnings == [
        FileProblem(path="lv/vecie", reason="subfolders are not read; put articles directly here")
    ]


def test_folder_named_like_an_article_is_a_subfolder_warning(tmp_path):
    (tmp_path / "lv" / "raksts.txt").mkdir(parents=True)
    result = load(tmp_path)
    assert result.files == []
    assert result.rejected == []
    assert result.warnings == [
        FileProblem(
            path="lv/raksts.txt", reason="subfolders are not read; put articles directly here"
        )
    ]


def test_an_article_beside_the_language_folders_gives_a_warning_and_is_not_read(tmp_path):
    write(tmp_path, "Rimborsi.md", "# Rimborsi\n\nRimborsate entro cinque giorni.")
    write(tmp_path, "glossary.yaml", "concepts: []\n")  # the glossary lives here
    write(tmp_path, "NOTES", "for editors")
    write(tmp_path, "README.md", "# How we write articles")  # the editors' own notes
    write(tmp_path, "it/buono.txt", "Titolo\nTesto")

    result = load(tmp_path)
    assert [f.id for f in result.files] == ["it/buono"]
    assert result.rejected == []
    assert result.warnings == [
        FileProblem(
            path="Rimborsi.md",
            reason="an article outside the language folders is not read: put it in "
            "content/lv/, content/it/, content/zh/ or content/ru/",
        )
    ]


def test_unknown_language_folder_gives_a_warning_and_is_not_read(tmp_path):
    write(tmp_path, "de/kundenservice.txt", "Titel\nText")
    write(tmp_path, "it/buono.txt", "Titolo\nTesto")

    result = load(tmp_path)
    assert [f.id for f in result.files] == ["it/buono"]
    assert result.rejected == []
    assert result.warnings == [
        FileProblem(
            path="de",
            reason="not a content language folder (expected one of lv, it, zh, ru); not read",
        )
    ]


def test_hidden_files_and_folders_are_ignored_silently(tmp_path):
    write(tmp_path, "lv/.gitkeep", b"")
    write(tmp_path, "lv/.DS_Store", b"\x00\x00\x00\x01Bud1\x00")
    write(tmp_path, "it/.raksts.txt.swp", b"\x00binary")
    write(tmp_path, "zh/.hidden.txt", "")
    write(tmp_path, "ru/.cache/x.txt", "x")
    write(tmp_path, ".git/config", "[core]")
    write(tmp_path, "it/buono.txt", "Titolo\nTesto")

    result = load(tmp_path)
    assert [f.id for f in result.files] == ["it/buono"]
    assert result.rejected == []
    assert result.warnings == []


def test_empty_content_dir_gives_nothing(tmp_path):
    assert load(tmp_path) == LoadResult()


def test_missing_content_dir_gives_one_rejection(tmp_path):
    missing = tmp_path / "no-such-content"
    result = load(missing)
    assert result.files == []
    assert result.warnings == []
    assert result.rejected == [
        FileProblem(path=str(missing), reason="content folder does not exist")
    ]


def test_content_dir_that_is_a_file_gives_one_rejection(tmp_path):
    not_a_dir = write(tmp_path, "content", "oops")
    assert load(not_a_dir).rejected == [
        FileProblem(path=str(not_a_dir), reason="content folder does not exist")
    ]


def test_files_are_ordered_by_language_then_name(tmp_path):
    for rel in ["ru/b.txt", "ru/a.txt", "zh/a.txt", "it/b.txt", "it/a.txt", "lv/z.txt"]:
        write(tmp_path, rel, "Title\nText")
    assert [f.id for f in load(tmp_path).files] == [
        "lv/z",
        "it/a",
        "it/b",
        "zh/a",
        "ru/a",
        "ru/b",
    ]


def test_language_folder_symlinked_outside_is_not_read(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "a.txt").write_text("Virsraksts\n\nTeksts par klientiem.\n", encoding="utf-8")
    content = tmp_path / "content"
    content.mkdir()
    (content / "lv").symlink_to(outside)
    result = load(content)
    assert result.files == []
    assert result.rejected == [
        FileProblem(path="lv", reason="folder is a symlink leading outside the content folder")
    ]


def test_translation_files_get_the_article_checks(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("article: lv/a\nlang: en\n")
    write(tmp_path / "c", "lv/a.txt", "Virsraksts\n\nTeksts.\n")
    (tmp_path / "c" / "lv" / "a.en.yaml").symlink_to(outside)
    write(tmp_path / "c", "lv/a.it.yaml", "x" * 2000)
    result = load(tmp_path / "c")
    assert sorted((p.path, p.reason.split(":")[0]) for p in result.rejected) == [
        ("lv/a.en.yaml", "symlink leads outside the content folder"),
        ("lv/a.it.yaml", "too large"),
    ]
    assert result.translations == []


def test_one_article_id_per_file_and_decomposed_names(tmp_path):
    write(tmp_path, "it/regole.txt", "Titolo\n\nTesto.\n")
    write(tmp_path, "it/regole.TXT", "Titolo\n\nTesto.\n")
    write(tmp_path, "it/cafe\u0301.txt", "Titolo\n\nTesto.\n")  # as macOS writes "café"
    result = load(tmp_path)
    assert sorted(f.id for f in result.files) == ["it/café", "it/regole"]
    (problem,) = result.rejected
    assert "same article id it/regole" in problem.reason


def test_deeply_nested_front_matter_is_rejected_not_raised(tmp_path):
    write(tmp_path, "lv/deep.txt", "---\ntitle: " + "[" * 5000 + "\n---\nTeksts\n")
    (problem,) = load_content(tmp_path, 1 << 20).rejected
    assert problem.path == "lv/deep.txt" and "front matter" in problem.reason
