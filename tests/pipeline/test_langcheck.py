"""Stage 3, language check: is an article in the language of its folder?"""

import opencc
import pytest

from pipeline.langcheck import MIN_LETTERS, check_language, detect_language
from pipeline.load import load_content
from pipeline.normalise import normalise_article
from pipeline.schema import Article
from tests.helpers import BUNDLED_CONTENT as REPO_CONTENT

ENGLISH = (
    "Good customer service means answering the phone quickly, listening carefully to what the "
    "customer needs, and following up until the problem is solved. Never make a customer repeat "
    "their story to three different people, and always tell them what will happen next."
)
RUSSIAN = (
    "Хорошее обслуживание клиента – один из столпов любого успешного бизнеса. Клиенты чаще "
    "общаются друг с другом и с вашими конкурентами, поэтому важно не просто обслуживать, а "
    "заботиться о них и отвечать на их вопросы быстро и вежливо."
)


@pytest.fixture(scope="module")
def seeds() -> dict[str, Article]:
    result = load_content(REPO_CONTENT, 1024 * 1024)
    assert result.rejected == []
    return {source.lang: normalise_article(source).article for source in result.files}


def article(lang: str, title: str, body: str) -> Article:
    return Article(
        id=f"{lang}/prova",
        lang=lang,
        path=f"{lang}/prova.txt",
        title=title,
        body=body,
        hash="0" * 64,
    )


def wrong_folder_reason(name: str, code: str, probability: float, folder: str) -> str:
    advice = (
        f"move it to content/{code}/"
        if code in ("lv", "it", "zh", "ru")
        else "articles are written in lv, it, zh or ru, each in its folder"
    )
    return (
        f"language looks like {name} ({code}, {probability:.0%}), but the file is in "
        f"content/{folder}/; {advice}"
    )


@pytest.mark.parametrize("lang", ["lv", "it", "zh", "ru"])
def test_seed_articles_pass_in_their_own_folder(seeds, lang):
    check = check_language(seeds[lang])
    assert check.ok is True
    assert check.expected == lang
    assert check.detected == lang
    assert check.probability > 0.9
    assert check.reason == ""


@pytest.mark.parametrize(
    ("lang", "folder", "name"),
    [
        ("ru", "it", "Русский"),
        ("it", "lv", "Italiano"),
        ("zh", "ru", "中文"),
        ("lv", "zh", "Latviešu"),
    ],
)
def test_seed_article_in_the_wrong_folder_fails(seeds, lang, folder, name):
    moved = seeds[lang].model_copy(update={"lang": folder})
    check = check_language(moved)
    assert check.ok is False
    assert check.expected == folder
    assert check.detected == lang
    assert check.probability > 0.9
    assert check.reason == wrong_folder_reason(name, lang, check.probability, folder)


def test_russian_paragraph_in_an_it_article_fails():
    check = check_language(article("it", "Обслуживание клиента", RUSSIAN))
    assert check.ok is False
    assert check.expected == "it"
    assert check.detected == "ru"
    assert check.probability > 0.9
    assert "content/it/" in check.reason
    assert check.reason == wrong_folder_reason("Русский", "ru", check.probability, "it")


def test_english_paragraph_in_an_lv_article_fails():
    check = check_language(article("lv", "Customer service basics", ENGLISH))
    assert check.ok is False
    assert check.expected == "lv"
    assert check.detected == "en"
    assert check.probability > 0.9
    assert check.reason == wrong_folder_reason("English", "en", check.probability, "lv")


def test_short_foreign_quote_inside_a_long_article_still_passes(seeds):
    quoted = seeds["it"].model_copy(
        update={"body": seeds["it"].body + "\n\nCome dicono a Mosca: «Спасибо за покупку»."}
    )
    check = check_language(quoted)
    assert check.ok is True
    assert check.detected == "it"


@pytest.mark.parametrize(
    ("lang", "title", "body"),
    [
        ("it", "Ciao", "Grazie mille!"),  # 15 letters
        ("ru", "Спасибо", "Да."),  # 9 letters
        ("lv", "Hello", "This is English"),  # wrong language, but too short to tell
        ("zh", "谢谢", "好的。"),
        ("it", "80/20", "24 / 7 — 98% al 2%!!!"),  # digits and punctuation are not letters
        ("lv", "a" * (MIN_LETTERS - 1), "1234567890"),
    ],
)
def test_too_short_text_passes_unchecked(lang, title, body):
    check = check_language(article(lang, title, body))
    assert check.ok is True
    assert check.expected == lang
    assert check.detected is None
    assert check.probability == 0.0
    assert check.reason == "too short to check"


def test_text_at_the_letter_threshold_is_checked():
    title, body = "Servizio clienti", "buono"  # 15 + 5 letters
    assert sum(c.isalpha() for c in title + body) == MIN_LETTERS
    check = check_language(article("it", title, body))
    assert (check.ok, check.detected, check.reason) == (True, "it", "")
    assert check.probability > 0.9


@pytest.mark.parametrize("lang", ["lv", "it", "zh", "ru"])
def test_verdict_is_deterministic_for_seeds(seeds, lang):
    first = check_language(seeds[lang])
    assert all(check_language(seeds[lang]) == first for _ in range(3))


@pytest.mark.parametrize(
    "text",
    [
        # ambiguous, mixed-language texts are where langdetect's random sampling would show
        "Il servizio clienti es muy importante para la empresa y para los clientes",
        "Klientu apkalpošana ir svarīga, customer service is important, servizio clienti",
        ENGLISH[:80] + RUSSIAN[:80],
    ],
)
def test_detection_is_deterministic_for_ambiguous_text(text):
    first = detect_language(text)
    assert first
    assert all(detect_language(text) == first for _ in range(5))
    verdict = check_language(article("it", "Titolo", text))
    assert all(check_language(article("it", "Titolo", text)) == verdict for _ in range(5))


def test_detect_language_uses_csguide_codes_for_chinese():
    simplified = detect_language("我们来面对这样一个现实,没有客户,企业就不存在。")
    traditional = detect_language(
        "為什麼客戶服務如此重要？我們來面對這樣一個現實，沒有客戶，企業就不存在。"
    )
    assert simplified[0][0] == "zh"
    assert "zh" in [code for code, _ in traditional]
    assert not any(code.startswith("zh-") for code, _ in simplified + traditional)


def test_traditional_chinese_article_passes_in_zh_folder(seeds):
    # Traditional Chinese is Chinese: the detector's zh-tw is mapped to zh and the index folds
    # traditional to simplified, so an article written in traditional characters belongs in zh/.
    to_traditional = opencc.OpenCC("s2t")
    simplified = seeds["zh"]
    traditional = simplified.model_copy(
        update={
            "title": to_traditional.convert(simplified.title),
            "body": to_traditional.convert(simplified.body),
        }
    )
    assert traditional.body != simplified.body
    assert traditional.body.startswith("我們來面對這樣一個現實,沒有客戶,企業就不存在。")

    check = check_language(traditional)
    assert check.reason == ""
    assert check.ok is True
    assert check.detected == "zh"


def test_detect_language_sorted_by_probability():
    guesses = detect_language(ENGLISH)
    assert guesses[0][0] == "en"
    probabilities = [p for _, p in guesses]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(0.0 < p <= 1.0 for p in probabilities)


@pytest.mark.parametrize("text", ["", "12345 !!! 80/20", "   \n\t"])
def test_detect_language_without_letters_gives_nothing(text):
    assert detect_language(text) == []


# Short articles as editors write them (a title and a sentence or two). langdetect, which knows
# 55 languages, took a fifth of such Russian ones for Bulgarian or Macedonian, and Chinese with
# a few Latin words for Vietnamese: the script decides those two.
SHORT_RUSSIAN = [
    ("Оплата", "Проверьте номер заказа в системе."),
    ("Звонок", "Объясните клиенту условия возврата денег."),
    ("Доставка", "Сообщите клиенту точную дату доставки и номер для отслеживания."),
    ("Жалоба", "Выслушайте клиента до конца и не перебивайте его."),
    ("Вежливость", "Всегда здоровайтесь первым и называйте своё имя."),
    ("Счёт", "Если счёт пришёл дважды, отмените лишний в тот же день."),
]
SHORT_CHINESE = [
    ("回电", "请在24小时内给客户回电，并在CRM系统里记录ticket ID。"),
    ("退款", "退款申请在3个工作日内处理，用PayPal付款的客户也一样。"),
]
CHINESE = ("投诉", "客户投诉的时候先真诚道歉，再耐心问清楚问题，最后告诉客户下一步怎么办。")


@pytest.mark.parametrize(("title", "body"), SHORT_RUSSIAN)
def test_short_russian_articles_pass_in_ru(title, body):
    check = check_language(article("ru", title, body))
    assert (check.ok, check.detected, check.reason) == (True, "ru", "")
    assert check.probability == 1.0  # every letter Cyrillic


@pytest.mark.parametrize(("title", "body"), SHORT_CHINESE)
def test_short_chinese_articles_with_latin_words_pass_in_zh(title, body):
    check = check_language(article("zh", title, body))
    assert (check.ok, check.detected, check.reason) == (True, "zh", "")
    assert 0.7 < check.probability < 1.0  # the Latin words are counted, and outweighed


@pytest.mark.parametrize(("title", "body"), SHORT_RUSSIAN[:2])
def test_short_russian_articles_in_another_folder_fail(title, body):
    check = check_language(article("lv", title, body))
    assert (check.ok, check.detected) == (False, "ru")
    assert check.reason == wrong_folder_reason("Русский", "ru", 1.0, "lv")


def test_a_chinese_article_in_ru_fails_by_its_script():
    check = check_language(article("ru", *CHINESE))
    assert (check.ok, check.detected, check.probability) == (False, "zh", 1.0)
    assert check.reason.endswith("content/ru/; move it to content/zh/")


def test_a_language_without_a_folder_is_named_with_what_to_do():
    spanish = (
        "El servicio al cliente es muy importante para todas las empresas. Hay que escuchar "
        "al cliente con paciencia, responder a sus preguntas y resolver sus problemas rápido."
    )
    check = check_language(article("it", "Servicio al cliente", spanish))
    assert (check.ok, check.detected) == (False, "es")
    assert check.reason == (
        f"language looks like 'es' ({check.probability:.0%}), but the file is in content/it/; "
        "articles are written in lv, it, zh or ru, each in its folder"
    )


def test_an_article_quoting_another_script_is_still_weighed_as_a_whole():
    """The script decides only when nearly every letter is in it: an Italian article with a
    few Chinese greetings is Italian, as langdetect weighs it."""
    body = (
        "Usate queste frasi con i clienti cinesi.\n\n您好，欢迎光临 — Buongiorno\n"
        "请稍等一下 — Attenda\n谢谢您的耐心 — Grazie\n我们会在十四天内退款 — Rimborsiamo"
    )
    check = check_language(article("it", "Saluti in cinese", body))
    assert (check.ok, check.detected, check.reason) == (True, "it", "")


@pytest.mark.parametrize(
    ("folder", "title", "body", "detected"),
    [
        (
            "zh",
            "返品について",
            "お客様が商品を返品したい場合は、まずご不便をおかけしたことをお詫びします。"
            "次に注文番号と購入日を確認してください。",
            "ja",
        ),
        (
            "ru",
            "Повернення товару",
            "Якщо клієнт хоче повернути товар, спочатку вибачтеся за незручності. Потім "
            "перевірте номер замовлення та дату покупки.",
            "uk",
        ),
    ],
)
def test_japanese_and_ukrainian_are_not_taken_for_chinese_and_russian(
    folder, title, body, detected
):
    """Kana are letters of another script, and і ї є ґ letters Russian does not have: those
    texts are left to langdetect."""
    check = check_language(article(folder, title, body))
    assert (check.ok, check.detected) == (False, detected)
    assert check.reason.endswith("articles are written in lv, it, zh or ru, each in its folder")
