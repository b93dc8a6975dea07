from pathlib import Path

import pytest

from pipeline.load import load_content
from pipeline.normalise import normalise_article
from pipeline.readers.plain_text import is_heading_like, list_marker_end, read_plain_text
from pipeline.schema import Article, Tip
from pipeline.segment import segment_article
from tests.helpers import BUNDLED_CONTENT


def seed_tips(lang: str) -> list[Tip]:
    loaded = load_content(BUNDLED_CONTENT, 1 << 20)
    (source,) = [f for f in loaded.files if f.lang == lang]
    return segment_article(normalise_article(source).article)


def article(body: str, lang: str = "it", title: str = "Titolo") -> Article:
    return Article(
        id=f"{lang}/test",
        lang=lang,
        path=f"{lang}/test.txt",
        title=title,
        body=body,
        blocks=tuple(read_plain_text(body)),
        hash="x",
    )


def test_latvian_seed_gives_its_four_sections_after_the_intro():
    tips = seed_tips("lv")
    assert [t.title for t in tips] == [
        "Starpība starp labu un izcilu klientu apkalpošanu",  # intro, before any heading
        "Tikšanās pret cerībām",
        "Pirmreizējās izšķirtspējas koeficients",
        "Kopējā klientu pieredze",
        "Personīgais pieskāriens",
    ]
    assert tips[1].text.startswith("Laba klientu apkalpošana bieži vien")
    assert tips[4].text.endswith("ir arī ārkārtējs.")
    assert {t.context for t in tips} == {"Starpība starp labu un izcilu klientu apkalpošanu"}


def test_chinese_callback_time_section_is_one_tip():
    tips = seed_tips("zh")
    callback = [t for t in tips if t.title == "承诺回电时间"]
    assert len(callback) == 1
    assert callback[0].text.startswith("要像重视自己的时间一样重视客户的时间。")
    assert callback[0].text.endswith("这再次确认了你对回电时间的承诺。")
    assert callback[0].kind == "paragraph"


def test_chinese_bullets_are_tips_of_their_section():
    tips = seed_tips("zh")
    before_contact = [t for t in tips if t.title == "接触客户之前"]
    assert [t.kind for t in before_contact] == ["paragraph"] + ["list_item"] * 4 + ["paragraph"]
    assert before_contact[1].text.startswith("提供有关主要与次要目标客户群")  # '●' stripped
    reasons = [
        t.text for t in tips if t.kind == "list_item" and t.title == "为什么客户服务如此重要?"
    ]
    assert reasons[0] == "死亡或行动不便:1%"
    assert len(reasons) == 5


def test_italian_lettered_rule_d_is_one_tip():
    tips = seed_tips("it")
    rules = [t for t in tips if t.kind == "list_item"]
    assert [t.text for t in rules][:2] == ["L'acquisto o la transazione", "Il rapporto"]
    rule_d = rules[5]
    assert rule_d.text == (
        "Autorizzare i dipendenti a fornire l'accuratezza delle informazioni che possono e far "
        "succedere le cose per i clienti."
    )
    assert len(rules) == 7  # 1) 2) and a) … e)


def test_italian_hard_wrapped_paragraph_is_joined():
    (wrapped,) = [t for t in seed_tips("it") if t.text.startswith("Infine,")]
    assert "le interazioni tra le diverse sezioni della società" in wrapped.text


def test_russian_bullets_under_tips_for_success():
    tips = seed_tips("ru")
    success = [t for t in tips if t.title == "Подсказки для успеха"]
    assert [t.kind for t in success] == ["list_item"] * 4 + ["paragraph"]
    assert success[0].text.startswith("Установить персонифицированный разговор")
    # A short sentence with commas is prose, not a heading.
    assert any(
        t.text == "Так что теперь важно не просто «обслуживать», а «заботиться»." for t in tips
    )


@pytest.mark.parametrize(("lang", "count"), [("lv", 5), ("it", 18), ("zh", 27), ("ru", 13)])
def test_tip_counts_per_seed(lang, count):
    tips = seed_tips(lang)
    assert len(tips) == count
    assert [t.position for t in tips] == list(range(count))
    assert len({t.id for t in tips}) == count


def test_ids_are_stable_and_survive_edits_elsewhere():
    body = "Primo\n\nUno due tre quattro cinque sei.\n\nSette otto nove dieci undici."
    first = segment_article(article(body))
    again = segment_article(article(body))
    assert [t.id for t in first] == [t.id for t in again]
    edited = segment_article(article(body.replace("Sette", "Otto")))
    assert edited[0].id == first[0].id
    assert edited[1].id != first[1].id
    assert first[0].id.startswith("it/test/")


def test_duplicate_text_gets_distinct_ids():
    tips = segment_article(article("- Sorridi sempre.\n- Sorridi sempre."))
    assert len(tips) == 2
    assert tips[1].id == tips[0].id + "-2"


def test_paragraphs_are_lines_when_a_file_has_no_blank_lines():
    tips = segment_article(article("第一节\n第一段内容很长，有逗号。\n第二段内容。", lang="zh"))
    assert [(t.title, t.text) for t in tips] == [
        ("第一节", "第一段内容很长，有逗号。"),
        ("第一节", "第二段内容。"),
    ]


def test_short_last_line_is_content_not_a_heading():
    tips = segment_article(article("Il testo principale, lungo.\n\nGrazie a tutti"))
    assert [t.text for t in tips] == ["Il testo principale, lungo.", "Grazie a tutti"]


@pytest.mark.parametrize(
    ("line", "marker"),
    [
        ("a) testo", 3),
        ("  • пункт", 4),
        ("●要点", 1),
        ("1) uno", 3),
        ("2. Due", 3),
        ("2. due", 0),
        ("- dash item", 2),
        ("一、第一", 2),
        ("-5% sconto", 0),
        ("2012. gada janvāra", 0),
        ("plain", 0),
    ],
)
def test_list_markers(line, marker):
    assert list_marker_end(line) == marker


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        ("Tikšanās pret cerībām", True),
        ("Оправдание надежд.", True),
        ("承诺回电时间", True),
        ("Так что теперь важно не просто «обслуживать», а «заботиться».", False),
        ("le diverse sezioni della società", False),
        ("Ci sono due componenti:", False),
        ("这是一个很长的句子，有逗号。", False),
    ],
)
def test_heading_detection(text, heading):
    assert is_heading_like(text) is heading


def test_seed_files_exist_under_descriptive_slugs():
    names = sorted(
        p.relative_to(BUNDLED_CONTENT).as_posix() for p in BUNDLED_CONTENT.rglob("*.txt")
    )
    assert names == [
        "it/customer-service-with-great-profits.txt",
        "lv/good-vs-excellent-customer-service.txt",
        "ru/customer-service-what-to-know.txt",
        "zh/why-customer-service-matters.txt",
    ]
    shared = Path(__file__).resolve().parents[3] / "shared" / "seeds"
    if shared.is_dir():  # beside the repo on developer machines and in CI
        seeds = sorted(p.read_bytes() for p in shared.glob("*.txt"))
        assert seeds == sorted((BUNDLED_CONTENT / n).read_bytes() for n in names)


def test_consecutive_short_sentences_are_all_kept():
    body = "要像重视自己的时间一样重视客户的时间。\n针对所有客户问题承诺一个明确的回电时间。\n准时回电，即使还没有答案。"
    assert [t.text for t in segment_article(article(body, lang="zh"))] == body.split("\n")


def test_a_short_line_before_another_short_line_is_content():
    tips = segment_article(
        article("Sii gentile.\n\nRispondi subito.\n\nUn testo lungo, con virgole.")
    )
    assert [(t.title, t.text) for t in tips] == [
        ("Titolo", "Sii gentile."),
        ("Rispondi subito", "Un testo lungo, con virgole."),
    ]


def test_dates_and_dialogue_are_not_list_items():
    tips = segment_article(
        article(
            "15. martā klientu centrs strādās ilgāk.\n\n— Labdien, kā varu palīdzēt?", lang="lv"
        )
    )
    assert [(t.kind, t.text) for t in tips] == [
        ("paragraph", "15. martā klientu centrs strādās ilgāk."),
        ("paragraph", "— Labdien, kā varu palīdzēt?"),
    ]


def test_many_repeats_of_one_text_get_numbered_ids():
    tips = segment_article(article("\n".join(["- Sorridi."] * 5)))
    assert [t.id.rsplit("/", 1)[1][10:] for t in tips] == ["", "-2", "-3", "-4", "-5"]


def test_wrapped_chinese_takes_no_space_after_its_punctuation():
    """An editor's hard-wrapped Chinese paragraphs: the breaks fall after 。 and ， as often as
    between characters, and none of them is a space in the tip."""
    body = (
        "接听电话时，先报出公司名称和自己的姓名。\n"
        "如果客户情绪激动，\n"
        "先道歉，再耐心解释处理步骤。\n"
        "不要打断客户的话（即使你已经知道答案）。\n"
        "\n"
        "挂断电话之前，确认客户没有其他问题。\n"
        "CRM 里记下来电原因。"
    )
    first, second = segment_article(article(body, lang="zh", title="接听电话"))
    assert first.text == (
        "接听电话时，先报出公司名称和自己的姓名。如果客户情绪激动，先道歉，再耐心解释处理步骤。"
        "不要打断客户的话（即使你已经知道答案）。"
    )
    assert second.text == "挂断电话之前，确认客户没有其他问题。 CRM 里记下来电原因。"


def test_chinese_numbered_sections_are_headings_and_full_width_items_are_tips():
    """一、 （一） 第三条 number sections: each titles the tips below it instead of being a tip
    of its own, also with a comma in it or a subsection right after; （1） items are tips."""
    body = (
        "一、开场白\n"
        "接听电话时，先报出公司名称和自己的姓名。\n"
        "\n"
        "二、处理投诉\n"
        "（一）耐心倾听\n"
        "不要打断客户的话，让客户把问题说完。\n"
        "（二）先道歉，再解释\n"
        "（1）向客户说明处理步骤。\n"
        "（2）告诉客户预计的处理时间。\n"
        "第三条 回访\n"
        "处理完毕后三天内回访客户，确认问题已经解决。\n"
        "四、如何结束通话？\n"
        "感谢客户来电，等客户先挂断。"
    )
    tips = segment_article(article(body, lang="zh", title="电话礼仪"))
    assert [(t.kind, t.title, t.text) for t in tips] == [
        ("paragraph", "一、开场白", "接听电话时，先报出公司名称和自己的姓名。"),
        ("paragraph", "（一）耐心倾听", "不要打断客户的话，让客户把问题说完。"),
        ("list_item", "（二）先道歉，再解释", "向客户说明处理步骤。"),
        ("list_item", "（二）先道歉，再解释", "告诉客户预计的处理时间。"),
        ("paragraph", "第三条 回访", "处理完毕后三天内回访客户，确认问题已经解决。"),
        ("paragraph", "四、如何结束通话？", "感谢客户来电，等客户先挂断。"),
    ]


def test_a_long_numbered_chinese_line_stays_a_tip():
    body = (
        "一、接听电话时，先报出公司名称和自己的姓名，再询问客户需要什么帮助，并记录下来电的原因。"
    )
    (tip,) = segment_article(article(body, lang="zh", title="电话礼仪"))
    assert tip.kind == "list_item" and tip.text.startswith("接听电话时")
