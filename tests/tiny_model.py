"""Build a tiny, real Argos Translate package (``.argosmodel``) for tests, in about a second.

The package has the layout Argos Translate installs and runs::

    translate-<from>_<to>-<version>/
        metadata.json
        sentencepiece.model        SentencePiece (unigram) tokenizer, ~500 pieces
        model/                     CTranslate2 Transformer: model.bin, config.json,
                                   shared_vocabulary.json

The translation model is a genuine CTranslate2 ``TransformerSpec`` (pre-norm, ReLU, sinusoidal
positions) with random weights, so it loads and decodes through exactly the code path of a real
model; its output is gibberish, but deterministic for a given ``seed``. Nothing here imports
torch or touches the network.

Random weights rarely choose ``</s>``, so decoding runs until ``max_decoding_length``
(CTranslate2's default is 256 tokens): pass a small ``max_decoding_length`` when translating
with this model.
"""

import io
import json
import random
import struct
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import ctranslate2
import numpy as np
import sentencepiece as spm
from ctranslate2.specs import attention_spec, common_spec, transformer_spec

LANGUAGE_NAMES = {
    "lv": "Latvian",
    "it": "Italian",
    "zh": "Chinese",
    "ru": "Russian",
    "en": "English",
}

ARGOS_VERSION = "1.9"

# Model dimensions: big enough to be a real multi-head Transformer, small enough to build in
# milliseconds and to weigh well under a megabyte.
D_MODEL = 32
FFN_DIM = 64
NUM_HEADS = 2
NUM_LAYERS = (2, 2)  # (encoder, decoder)
VOCAB_SIZE = 512
WEIGHT_SCALE = 0.1

UNK, BOS, EOS = "<unk>", "<s>", "</s>"  # CTranslate2's defaults for unk/bos/eos tokens

# Fixed timestamp for the archive entries, so the same arguments give the same bytes.
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)

# --- built-in corpus ------------------------------------------------------------------------

# Common words of customer-service articles, per language.
_WORD_LISTS = {
    "lv": (
        "klients klientu klientiem apkalpošana apkalpošanu uzņēmums uzņēmuma uzņēmumi "
        "darbinieki pakalpojumi pakalpojumus preces problēma problēmu atrisināt izcila laba "
        "kvalitāte patērētāji sūdzība zvans tālrunis atbilde jautājums ātri vienmēr ļoti "
        "svarīgi jāklausās jāzina gadījumā cena maksājums pirkums lojalitāte uzticība "
        "rīkoties ņemt ģimene ķēde žēl čeks un ir no ar kā kas lai par bet vai nav tiek"
    ),
    "it": (
        "cliente clienti servizio assistenza azienda aziende dipendenti prodotto prodotti "
        "problema problemi risolvere qualità profitti fedeltà telefono risposta domanda "
        "reclamo più così perché già può città attività è sarà prezzo pagamento acquisto "
        "regole d'oro bene importante sempre subito ascoltare gentile il la le gli di che non "
        "per con una del della"
    ),
    "ru": (
        "клиент клиента клиентов обслуживание обслуживания компания компании бизнес "
        "сотрудники услуги товар товары проблема проблему решить качество хороший хорошее "
        "отличный жалоба звонок телефон ответ вопрос быстро всегда очень важно нужно знать "
        "цена оплата покупка лояльность доверие ещё съезд объём шаг щит цель эффект юрист "
        "яркий успешного и в не на что с как это для по из но или"
    ),
    "en": (
        "customer customers service company business employees product products problem "
        "problems solve quality profit loyalty phone answer question complaint price payment "
        "purchase always quickly very important good excellent listen know the a of and to is "
        "in that for with not or why what matters great tips help time team trust"
    ),
    "zh": (
        "客户 服务 企业 问题 解决 重要 提供 如果 时间 方法 公司 员工 产品 理由 信息 付款 原因 可以 就是 什么 "
        "为什么 一个 这些 他们 我们 你的 没有 处理 投诉 电话 回答 确定 找到 获得 培训 质量 满意 承诺 知道 考虑 "
        "需要 能力 所有 更多 及时 保持 通过 成功 实现 现在 支持 期望 结果 关系 帮助 接触 沟通 出现 目的 价格 "
        "购买 取消 银行 竞争 管理 调查 表明 选择 首要 优质 常见 任何 交易 事情 感到 生意 发展 营销 策略 合同"
    ),
}
_WORDS: dict[str, tuple[str, ...]] = {lang: tuple(w.split()) for lang, w in _WORD_LISTS.items()}

# Further frequent characters of customer-service Chinese, used one by one.
_ZH_CHARS = (
    "不与对最或会来前之其好人了而从等该面告将也那者单此进当去向自中样说都大式应作无终动很做地"
    "但收全并于候下转主度开准账求束日小性比寻容委谈益借口立流点节程用天每简己"
)

# Every character we want the tokenizer to know, so each is a required piece.
_ALPHABETS = (
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789",
    "āčēģīķļņšūž ĀČĒĢĪĶĻŅŠŪŽ",
    "àèéìíòóùú ÀÈÉÌÒÙ",
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
    ". , ; : ! ? ' \" ( ) [ ] - – — / % & + = * # @ _ « » “ ” „ ‘ ’ … • ● 、 。 《 》 「 」",
)

_LATIN_ENDS = (".", ".", ".", "?", "!", ":", ";", "…")
_ZH_ENDS = ("。", "。", "?", "!", ":", ";")
_NUMBERS = ("1", "2", "3", "10", "24/7", "60%", "2010", "1)", "2.", "3,5", "100", "(sba)")


def default_corpus(num_lines: int = 400, langs: Sequence[str] | None = None) -> list[str]:
    """Short lines made from the built-in word lists: all five languages, or only ``langs``.

    The same lines every time: the corpus does not depend on the model's ``seed``, so every tiny
    model of the same languages shares one tokenizer and vocabulary.
    """
    rng = random.Random(20240101)
    chosen = [lang for lang in _WORDS if langs is None or lang in langs]
    lines = list(_ALPHABETS) if langs is None else [_ALPHABETS[0], _ALPHABETS[-1]]
    if langs is not None:  # each language's own letters, so its text tokenizes without <unk>
        lines += [_ALPHABETS[i] for i, lang in ((1, "lv"), (2, "it"), (3, "ru")) if lang in langs]
    # Every word and character at least once, in order.
    for lang in chosen:
        words = _WORDS[lang]
        lines.extend(" ".join(words[i : i + 8]) for i in range(0, len(words), 8))
    if "zh" in chosen:
        lines.extend(_ZH_CHARS[i : i + 20] for i in range(0, len(_ZH_CHARS), 20))
    while len(lines) < num_lines:
        lang = chosen[len(lines) % len(chosen)]
        words = list(rng.choices(_WORDS[lang], k=rng.randint(3, 9)))
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words) + 1), rng.choice(_NUMBERS))
        if lang == "zh":
            if rng.random() < 0.5:
                words.insert(rng.randrange(len(words) + 1), rng.choice(_ZH_CHARS))
            if len(words) > 4 and rng.random() < 0.5:
                words.insert(len(words) // 2, ",")
            lines.append("".join(words) + rng.choice(_ZH_ENDS))
        else:
            if len(words) > 4 and rng.random() < 0.4:
                words[len(words) // 2 - 1] += ","
            if rng.random() < 0.15:
                open_, close = rng.choice((("«", "»"), ("“", "”"), ("„", "“"), ('"', '"')))
                words[-1] = f"{open_}{words[-1]}{close}"
            text = " ".join(words)
            lines.append(text[:1].upper() + text[1:] + rng.choice(_LATIN_ENDS))
    return lines


# --- tokenizer ------------------------------------------------------------------------------


def train_sentencepiece(
    corpus: Sequence[str],
    *,
    vocab_size: int = VOCAB_SIZE,
    user_symbols: Sequence[str] = (),
    byte_fallback: bool = False,
) -> bytes:
    """Train a unigram SentencePiece model (the kind Argos packages ship); return its bytes.

    Pieces 0, 1, 2 are ``<unk>``, ``<s>``, ``</s>`` (what CTranslate2 expects); there is no pad
    piece. If the corpus is too small for ``vocab_size`` the vocabulary is smaller, never an error.
    """
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus),
        model_writer=model,
        model_type="unigram",
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        character_coverage=1.0,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        unk_piece=UNK,
        bos_piece=BOS,
        eos_piece=EOS,
        user_defined_symbols=list(user_symbols),
        byte_fallback=byte_fallback,
        input_sentence_size=0,
        shuffle_input_sentence=False,
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


# --- translation model ----------------------------------------------------------------------


class _Init:
    """Small random float32 arrays from one seeded generator, drawn in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def normal(self, *shape: int) -> np.ndarray:
        return (self.rng.standard_normal(shape) * WEIGHT_SCALE).astype(np.float32)

    def linear(self, spec: common_spec.LinearSpec, out_dim: int, in_dim: int) -> None:
        spec.weight = self.normal(out_dim, in_dim)  # [out, in], as in torch.nn.Linear
        spec.bias = self.normal(out_dim)

    @staticmethod
    def layer_norm(spec: common_spec.LayerNormSpec) -> None:
        spec.gamma = np.ones(D_MODEL, dtype=np.float32)
        spec.beta = np.zeros(D_MODEL, dtype=np.float32)

    def self_attention(self, spec: attention_spec.MultiHeadAttentionSpec) -> None:
        self.layer_norm(spec.layer_norm)
        self.linear(spec.linear[0], 3 * D_MODEL, D_MODEL)  # fused Q, K, V
        self.linear(spec.linear[1], D_MODEL, D_MODEL)  # output

    def cross_attention(self, spec: attention_spec.MultiHeadAttentionSpec) -> None:
        self.layer_norm(spec.layer_norm)
        self.linear(spec.linear[0], D_MODEL, D_MODEL)  # Q (from the decoder)
        self.linear(spec.linear[1], 2 * D_MODEL, D_MODEL)  # fused K, V (from the encoder)
        self.linear(spec.linear[2], D_MODEL, D_MODEL)  # output

    def ffn(self, spec: transformer_spec.FeedForwardSpec) -> None:
        self.layer_norm(spec.layer_norm)
        self.linear(spec.linear_0, FFN_DIM, D_MODEL)
        self.linear(spec.linear_1, D_MODEL, FFN_DIM)


def build_transformer_spec(
    vocabulary: Sequence[str],
    seed: int,
    eos_bias: float = 0.0,
    *,
    eos: str = EOS,
    pre_norm: bool = True,
    start_from_zero_embedding: bool = False,
    never: Sequence[str] = (),
    favour: Mapping[str, float] | None = None,
) -> transformer_spec.TransformerSpec:
    """A validated CTranslate2 Transformer spec with random weights and a shared vocabulary.

    ``eos_bias`` raises the logit of ``eos``: random weights otherwise never end a sentence,
    and a positive bias gives short outputs, like a model that has learnt to stop. Tokens in
    ``never`` (padding, byte pieces) get a very low logit, as a trained model never emits them.
    ``favour`` raises the logits of the tokens it names by the amounts it gives, to make a
    model emit them (``<unk>``, say).
    ``pre_norm=False`` and ``start_from_zero_embedding`` give the layout of Marian (OPUS-MT)
    models: post-norm, with no final layer norms, and decoding started from a zero vector.
    """
    vocab_size = len(vocabulary)
    spec = transformer_spec.TransformerSpec.from_config(
        num_layers=NUM_LAYERS, num_heads=NUM_HEADS, pre_norm=pre_norm
    )
    init = _Init(seed)

    encoder = spec.encoder
    encoder.embeddings[0].weight = init.normal(vocab_size, D_MODEL)
    # encoder.position_encodings.encodings stays unset: CTranslate2 then uses sinusoidal ones.
    if pre_norm:
        init.layer_norm(encoder.layer_norm)  # final norm of the pre-norm stack
    for layer in encoder.layer:
        init.self_attention(layer.self_attention)
        init.ffn(layer.ffn)

    decoder = spec.decoder
    decoder.start_from_zero_embedding = start_from_zero_embedding
    decoder.embeddings.weight = init.normal(vocab_size, D_MODEL)
    if pre_norm:
        init.layer_norm(decoder.layer_norm)
    for layer in decoder.layer:
        init.self_attention(layer.self_attention)
        init.cross_attention(layer.attention)
        init.ffn(layer.ffn)
    init.linear(decoder.projection, vocab_size, D_MODEL)  # logits over the target vocabulary
    decoder.projection.bias[list(vocabulary).index(eos)] += eos_bias
    for token in never:
        decoder.projection.bias[list(vocabulary).index(token)] = -1e4
    for token, boost in (favour or {}).items():
        decoder.projection.bias[list(vocabulary).index(token)] += boost

    spec.register_source_vocabulary(list(vocabulary))
    spec.register_target_vocabulary(list(vocabulary))
    spec.validate()  # raises if any required variable is still unset or a vocabulary is off
    return spec


# --- package --------------------------------------------------------------------------------


def package_name(from_code: str, to_code: str, package_version: str = "0.1") -> str:
    return f"translate-{from_code}_{to_code}-{package_version.replace('.', '_')}"


def build_tiny_argosmodel(
    dest_dir: Path,
    from_code: str,
    to_code: str,
    *,
    package_version: str = "0.1",
    seed: int = 0,
    corpus: Sequence[str] | None = None,
    target_prefix: str = "",
    eos_bias: float = 0.0,
) -> Path:
    """Write ``<dest_dir>/translate-<from>_<to>-<version>.argosmodel`` and return its path.

    ``target_prefix`` (Argos's metadata field, a token the decoder is forced to start with) is
    also added to the tokenizer as a user-defined symbol, so it is in the model's vocabulary.
    Same arguments, same bytes.
    """
    name = package_name(from_code, to_code, package_version)
    sp_bytes = train_sentencepiece(
        default_corpus() if corpus is None else corpus,
        user_symbols=[target_prefix] if target_prefix else (),
    )
    sp = spm.SentencePieceProcessor(model_proto=sp_bytes)
    vocabulary = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    if vocabulary[:3] != [UNK, BOS, EOS]:
        raise ValueError(f"special pieces are {vocabulary[:3]}, CTranslate2 wants <unk> <s> </s>")

    metadata: dict[str, str] = {
        "package_version": package_version,
        "argos_version": ARGOS_VERSION,
        "from_code": from_code,
        "from_name": LANGUAGE_NAMES.get(from_code, from_code),
        "to_code": to_code,
        "to_name": LANGUAGE_NAMES.get(to_code, to_code),
        "type": "translate",
        "name": f"{from_code}→{to_code} tiny test model",
    }
    if target_prefix:
        metadata["target_prefix"] = target_prefix

    spec = build_transformer_spec(vocabulary, seed, eos_bias)
    spec.optimize()  # float32 kept; identical arrays (the layer norms) become aliases
    files = {
        "metadata.json": (json.dumps(metadata, ensure_ascii=False, indent=2) + "\n").encode(),
        "sentencepiece.model": sp_bytes,
        **model_files(spec),
    }
    return write_package_zip(
        dest_dir / f"{name}.argosmodel", name, files, directories=True, deflate=True
    )


def model_files(
    spec: transformer_spec.TransformerSpec, *, binary_version: int | None = None
) -> dict[str, bytes]:
    """The files CTranslate2 saves for ``spec``, as ``model/<name>``. With ``binary_version``
    (5: CTranslate2 2.x), what converters of that time wrote: that version in model.bin's
    header, no config.json (options come from model.bin), vocabularies as ``.txt``."""
    with tempfile.TemporaryDirectory(prefix="tiny-ct2-") as tmp:
        spec.save(tmp)
        files = {f"model/{p.name}": p.read_bytes() for p in sorted(Path(tmp).iterdir())}
    if binary_version is not None:
        model = bytearray(files["model/model.bin"])
        model[:4] = struct.pack("I", binary_version)
        files["model/model.bin"] = bytes(model)
        del files["model/config.json"]
        vocabulary = json.loads(files.pop("model/shared_vocabulary.json"))
        files["model/shared_vocabulary.txt"] = "".join(f"{t}\n" for t in vocabulary).encode()
    return files


def write_package_zip(
    archive: Path, top: str, files: dict[str, bytes], *, directories: bool, deflate: bool
) -> Path:
    """Zip ``files`` under the folder ``top``, with a fixed timestamp (same files, same bytes).
    ``directories``: an entry for each folder before its files, as ``zip -r`` writes them."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(archive, "w", compression=method) as zf:
        if directories:
            folders = {top} | {f"{top}/{p}" for name in files for p in _parents(name)}
            for folder in sorted(folders):
                info = zipfile.ZipInfo(f"{folder}/", date_time=_ZIP_DATE)
                info.external_attr = (0o40755 << 16) | 0x10
                zf.writestr(info, b"")
        for name, data in sorted(files.items()):
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=_ZIP_DATE)
            info.external_attr = 0o100644 << 16
            info.compress_type = method
            zf.writestr(info, data)
    return archive


def _parents(name: str) -> list[str]:
    parts = name.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def install_argosmodel_dir(argosmodel: Path, packages_dir: Path) -> Path:
    """Unzip an ``.argosmodel`` into ``packages_dir``; return the package directory in it."""
    with zipfile.ZipFile(argosmodel) as zf:
        (top,) = {name.split("/", 1)[0] for name in zf.namelist()}
        zf.extractall(packages_dir)
    return packages_dir / top


def load_translator(package_dir: Path) -> ctranslate2.Translator:
    """The package's CTranslate2 model on the CPU, one thread, so results are reproducible."""
    return ctranslate2.Translator(str(package_dir / "model"), device="cpu", intra_threads=1)
