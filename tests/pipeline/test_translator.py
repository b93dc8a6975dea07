import pytest

from pipeline.translator import join_sentences, split_sentences, translation_problem


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Prima frase qui. Seconda frase qui! Terza?",
            ["Prima frase qui.", "Seconda frase qui! Terza?"],
        ),
        (
            "要像重视自己的时间一样。针对那些问题，向客户承诺。",
            ["要像重视自己的时间一样。", "针对那些问题，向客户承诺。"],
        ),
        (
            "Это стало очевидным, т.к. клиенты общаются. Да.",
            ["Это стало очевидным, т.к. клиенты общаются. Да."],
        ),
        ("No terminal punctuation at all", ["No terminal punctuation at all"]),
        ("vidēs.Piemēram, zvanu centrā.", ["vidēs.Piemēram, zvanu centrā."]),
    ],
)
def test_split_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_join_sentences_by_target_script():
    assert join_sentences(["Uno.", "Due."], "it") == "Uno. Due."
    assert join_sentences(["一。", "二。"], "zh") == "一。二。"


@pytest.mark.parametrize(
    ("source", "output", "src", "tgt", "problem"),
    [
        ("Rispondere presto.", "Answer quickly.", "it", "en", None),
        ("回电时间", "Callback time and a promise", "zh", "en", None),  # zh counts 3× per character
        ("Ciao.", "", "it", "en", "empty output"),
        ("Ciao a tutti.", "Hello " * 12, "it", "en", "output 5.5× as long as the input"),
        (
            "Una frase abbastanza lunga per il controllo.",
            "the the the the",
            "it",
            "en",
            "output repeats 'the' 4 times or more",
        ),
        (
            "Una frase abbastanza lunga per il controllo della ripetizione.",
            "we call we call we call we call",
            "it",
            "en",
            "output repeats 'we call' 4 times or more",
        ),
        (
            "客户服务非常重要，需要认真对待每一位客户。",
            "好好好好",
            "zh",
            "zh",
            "output repeats '好' 4 times or more",
        ),
        ("Three of the same is fine here.", "yes yes yes, fine", "en", "en", None),
    ],
)
def test_translation_problem(source, output, src, tgt, problem):
    assert translation_problem(source, output, src, tgt) == problem


def test_numbers_in_chinese_output_are_not_loops():
    assert (
        translation_problem(
            "Perdiamo 10000 clienti ogni anno.", "我们每年失去10000名客户。", "it", "zh"
        )
        is None
    )
