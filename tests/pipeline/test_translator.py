import pytest

from pipeline.translator import translation_problem


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
