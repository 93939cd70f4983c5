"""The ``hf`` backend through real ``transformers`` code, on tiny random-weight models built here.

The models (a 2-layer Llama, a 2-layer BART) and their word-level tokenizer are made in the test,
saved to ``tmp_path`` and loaded by path, so no weights are downloaded. Random weights write
nonsense; what is checked is the plumbing: batching with left padding, truncation accounting,
determinism, identity, the chat template, and the weight cache for GGUF-style loads.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from harness.errors import ConfigError, HarnessError  # noqa: E402
from harness.records import Article  # noqa: E402
from harness.summarizers import build  # noqa: E402
from harness.summarizers.hf import HFSummarizer  # noqa: E402

WORDS = ("the of and to in a is that for on was with he it as at by from his her they said "
         "four countries estonia latvia lithuania poland announced withdraw treaty mines "
         "parliament approve ottawa march tuesday minister defence russia threat border "
         "summary title article news week year report government plan").split()
SPECIALS = ["<pad>", "<unk>", "<s>", "</s>", "<|user|>", "<|assistant|>", ":", ".", ","]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|> {{ m['content'] }} </s> {% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}")


def make_tokenizer(chat: bool):
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate(SPECIALS + WORDS)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    core.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", vocab["<s>"])])
    tok = PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", eos_token="</s>",
                                  pad_token="<pad>", unk_token="<unk>")
    if chat:
        tok.chat_template = CHAT_TEMPLATE
    return tok


def make_causal(path, chat=False):
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = make_tokenizer(chat)
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                      pad_token_id=tok.pad_token_id)
    LlamaForCausalLM(cfg).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def make_seq2seq(path):
    from transformers import BartConfig, BartForConditionalGeneration

    tok = make_tokenizer(False)
    torch.manual_seed(0)
    cfg = BartConfig(vocab_size=len(tok), d_model=32, encoder_layers=1, decoder_layers=1,
                     encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
                     decoder_ffn_dim=64, max_position_embeddings=128, pad_token_id=tok.pad_token_id,
                     bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                     decoder_start_token_id=tok.eos_token_id, forced_eos_token_id=None)
    BartForConditionalGeneration(cfg).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def article(i: int, n_words: int) -> Article:
    body = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(n_words)) + "."
    return Article(id=f"a{i}", text="captured page " + body, title="news report", body=body)


@pytest.fixture(scope="module")
def causal_dir(tmp_path_factory):
    return make_causal(tmp_path_factory.mktemp("llama"))


@pytest.fixture(scope="module")
def chat_dir(tmp_path_factory):
    return make_causal(tmp_path_factory.mktemp("llama-chat"), chat=True)


@pytest.fixture(scope="module")
def seq2seq_dir(tmp_path_factory):
    return make_seq2seq(tmp_path_factory.mktemp("bart"))


GEN = {"min_new_tokens": 3, "suppress_tokens": [0, 1, 2]}  # random weights: force a few real words


def test_causal_batch_equals_single_with_left_padding(causal_dir):
    arts = [article(0, 5), article(1, 30), article(2, 12)]
    batched = HFSummarizer(name="m", model=str(causal_dir), batch_size=3, max_new_tokens=6,
                           generation=GEN).summarize(arts)
    single = HFSummarizer(name="m", model=str(causal_dir), batch_size=1, max_new_tokens=6,
                          generation=GEN).summarize(arts)
    assert [s.article_id for s in batched] == ["a0", "a1", "a2"]
    # Left padding + attention mask: a padded row generates what it generates alone.
    assert [s.text for s in batched] == [s.text for s in single]
    for s in batched:
        assert s.text and 3 <= s.meta["new_tokens"] <= 6
        assert s.meta["truncated_tokens"] == 0
        assert s.meta["batch_size"] == 3 and s.meta["device"] == "cpu"


def test_causal_is_deterministic(causal_dir):
    arts = [article(3, 10), article(4, 7)]
    one = HFSummarizer(name="m", model=str(causal_dir), max_new_tokens=5, generation=GEN)
    two = HFSummarizer(name="m", model=str(causal_dir), max_new_tokens=5, generation=GEN)
    assert [s.text for s in one.summarize(arts)] == [s.text for s in two.summarize(arts)]
    assert one.identity() == two.identity()


def test_truncation_is_accounted(causal_dir):
    # The body is 60 words + "." = 61 tokens; the base prompt "{title}\n\n{text}\n\nTL;DR:" with an
    # empty text is <s> news report TL ; DR : -> 7 tokens (TL/DR are <unk>, ";" and ":" split);
    # a budget of 40 leaves 33 body tokens: 28 dropped.
    art = article(0, 60)
    s = HFSummarizer(name="m", model=str(causal_dir), max_input_tokens=40, max_new_tokens=3,
                     generation=GEN).summarize([art])[0]
    assert s.meta["truncated_tokens"] == 28
    seen = art.body[: s.meta["input_chars_seen"]]
    assert seen == " ".join(art.body.split()[:33])
    assert s.meta["prompt_tokens"] <= 40


def test_chat_template_used_and_hashed(chat_dir, causal_dir):
    chat = HFSummarizer(name="c", model=str(chat_dir), max_new_tokens=4, generation=GEN,
                        system_prompt="be brief")
    ident = chat.identity()
    assert ident["prompt_mode"] == "chat" and ident["chat_template_sha256"]
    assert ident["system_prompt"] == "be brief"
    prompt, special = chat._render("T", "body")
    assert prompt.startswith("<|system|> be brief </s> <|user|>") and prompt.endswith("<|assistant|>")
    assert special is False
    base = HFSummarizer(name="b", model=str(causal_dir)).identity()
    assert base["prompt_mode"] == "continuation" and base["chat_template_sha256"] is None
    assert chat.summarize([article(5, 8)])[0].text


def test_identity_changes_with_settings(causal_dir):
    a = HFSummarizer(name="m", model=str(causal_dir)).identity()
    b = HFSummarizer(name="m", model=str(causal_dir), max_new_tokens=7).identity()
    c = HFSummarizer(name="m", model=str(causal_dir), prompt="{text} summary:").identity()
    d = HFSummarizer(name="other", model=str(causal_dir)).identity()
    assert a != b and a != c and a == d  # the display name is not part of the output's identity
    assert a["model"]["sha256"] and a["versions"]["transformers"]
    assert a["generation"]["do_sample"] is False


def test_seq2seq_batched(seq2seq_dir):
    arts = [article(0, 8), article(1, 200)]
    summ = HFSummarizer(name="s", model=str(seq2seq_dir), batch_size=2, max_new_tokens=5,
                        generation=GEN)
    assert summ.identity()["kind"] == "seq2seq"
    out = summ.summarize(arts)
    assert all(s.text for s in out)
    # BART's context is its 128 positions; the empty prompt is <s> alone: 127 body tokens kept.
    assert out[1].meta["truncated_tokens"] == 201 - 127
    assert out[0].meta["truncated_tokens"] == 0


def test_empty_output_is_an_error_not_silence(causal_dir):
    # Only special tokens allowed after the prompt: <pad>, <unk>, <s> decode to nothing.
    only_special = {"min_new_tokens": 2, "bad_words_ids": [[i] for i in range(3, len(SPECIALS) + len(WORDS))]}
    out = HFSummarizer(name="m", model=str(causal_dir), max_new_tokens=2,
                       generation=only_special).summarize([article(0, 3)])[0]
    assert out.text == "" and "empty summary" in out.meta["error"]


def test_config_errors(causal_dir, tmp_path):
    with pytest.raises(ConfigError, match="unknown key"):
        build({"backend": "hf", "name": "m", "model": str(causal_dir), "max_tokens": 3})
    with pytest.raises(ConfigError, match="kind"):
        HFSummarizer(name="m", model=str(causal_dir), kind="decoder")
    with pytest.raises(ConfigError, match="text"):
        HFSummarizer(name="m", model=str(causal_dir), prompt="{title}")
    with pytest.raises(ConfigError, match="preset"):
        HFSummarizer(name="m", preset="smollm3")
    with pytest.raises(ConfigError, match="generation.max_length_x"):
        HFSummarizer(name="m", model=str(causal_dir), generation={"max_length_x": 3}).identity()
    with pytest.raises(ConfigError, match="max_new_tokens"):
        HFSummarizer(name="m", model=str(causal_dir), generation={"max_new_tokens": 3}).identity()
    with pytest.raises(HarnessError, match="not a model folder"):
        HFSummarizer(name="m", model=str(tmp_path / "nope")).identity()


def test_cached_rerun_does_not_load_the_model(causal_dir, tmp_path):
    from harness.cache import CachedSummarizer, GenerationCache

    cache = GenerationCache(tmp_path / "g.sqlite")
    arts = [article(i, 5 + i) for i in range(3)]
    first = CachedSummarizer(HFSummarizer(name="m", model=str(causal_dir), max_new_tokens=4,
                                          generation=GEN), cache)
    out1 = first.summarize(arts)
    inner = HFSummarizer(name="m", model=str(causal_dir), max_new_tokens=4, generation=GEN)
    second = CachedSummarizer(inner, cache)
    out2 = second.summarize(arts)
    assert [s.text for s in out2] == [s.text for s in out1]
    assert (second.reused, second.generated) == (3, 0)
    assert inner._model is None and inner._tok is None  # identity reads files, loads nothing
    assert out2[0].meta["prompt_tokens"] == out1[0].meta["prompt_tokens"]


# ---------------------------------------------------------------- a tiny GGUF file
# Written with the ``gguf`` package (llama.cpp's writer): a 2-layer Llama with float32 tensors and a
# byte-level BPE vocabulary (the 256 byte symbols of GPT-2 + 2 merges), so the real GGUF path of
# ``transformers`` (metadata -> config, vocabulary -> tokenizer, tensors -> weights) is exercised.
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return [chr(c) for c in cs]

def write_tiny_gguf(path, chat_template=None, hidden=32, layers=2, heads=4, kv=2, ffn=64, ctx=256, seed=0):
    import gguf

    rng = np.random.default_rng(seed)
    tokens = ["<pad>", "<s>", "</s>"] + bytes_to_unicode() + ["\u0120t", "he"]
    merges = ["\u0120 t", "h e"]
    V = len(tokens)
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_context_length(ctx); w.add_embedding_length(hidden); w.add_block_count(layers)
    w.add_feed_forward_length(ffn); w.add_head_count(heads); w.add_head_count_kv(kv)
    w.add_layer_norm_rms_eps(1e-6); w.add_rope_freq_base(10000.0); w.add_vocab_size(V)
    w.add_rope_dimension_count(hidden // heads)
    w.add_tokenizer_model("gpt2"); w.add_tokenizer_pre("default")
    w.add_token_list(tokens); w.add_token_merges(merges)
    w.add_token_types([3, 3, 3] + [1] * (V - 3))
    w.add_bos_token_id(1); w.add_eos_token_id(2); w.add_pad_token_id(0)
    w.add_add_bos_token(True)
    if chat_template:
        w.add_chat_template(chat_template)
    f = lambda *s: (rng.standard_normal(s) * 0.2).astype(np.float32)
    hd = hidden // heads
    w.add_tensor("token_embd.weight", f(V, hidden))
    w.add_tensor("output_norm.weight", np.ones(hidden, np.float32))
    w.add_tensor("output.weight", f(V, hidden))
    for i in range(layers):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(hidden, np.float32))
        w.add_tensor(f"blk.{i}.attn_q.weight", f(hidden, hidden))
        w.add_tensor(f"blk.{i}.attn_k.weight", f(kv * hd, hidden))
        w.add_tensor(f"blk.{i}.attn_v.weight", f(kv * hd, hidden))
        w.add_tensor(f"blk.{i}.attn_output.weight", f(hidden, hidden))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(hidden, np.float32))
        w.add_tensor(f"blk.{i}.ffn_gate.weight", f(ffn, hidden))
        w.add_tensor(f"blk.{i}.ffn_up.weight", f(ffn, hidden))
        w.add_tensor(f"blk.{i}.ffn_down.weight", f(hidden, ffn))
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


def test_gguf_load_uses_weight_cache_second_time(tmp_path, monkeypatch):
    pytest.importorskip("gguf")
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "gguf"
    folder.mkdir()
    write_tiny_gguf(folder / "tiny.Q8_0.gguf", chat_template=CHAT_TEMPLATE)
    arts = [article(0, 6), article(1, 12)]
    first = HFSummarizer(name="g", model=str(folder / "tiny.Q8_0.gguf"), max_new_tokens=4,
                         batch_size=2, generation={"min_new_tokens": 4, "suppress_tokens": [0, 1, 2]})
    out1 = first.summarize(arts)
    assert first.loaded_from_weight_cache is False
    saved = list((tmp_path / "cache" / "weights").iterdir())
    assert len(saved) == 1 and (saved[0] / ".complete").exists()
    assert (saved[0] / "model.safetensors").exists()
    ident = first.identity()
    assert ident["model"]["gguf_file"] == "tiny.Q8_0.gguf" and ident["model"]["quantization"] == "Q8_0"
    assert ident["prompt_mode"] == "chat" and len(ident["model"]["sha256"]) == 64
    second = HFSummarizer(name="g", model=str(folder), gguf_file="tiny.Q8_0.gguf", max_new_tokens=4,
                          batch_size=2, generation={"min_new_tokens": 4, "suppress_tokens": [0, 1, 2]})
    out2 = second.summarize(arts)
    assert second.loaded_from_weight_cache is True
    # The converted copy behaves exactly like the GGUF it came from.
    assert [s.text for s in out2] == [s.text for s in out1] and all(s.text for s in out1)
    assert second.identity()["chat_template_sha256"] == ident["chat_template_sha256"]
    from harness.weights.gguf_meta import read_metadata

    meta = read_metadata(folder / "tiny.Q8_0.gguf")
    assert meta["general.architecture"] == "llama" and meta["llama.block_count"] == 2
    assert meta["tokenizer.chat_template"] == CHAT_TEMPLATE and "tokenizer.ggml.tokens" not in meta
    with pytest.raises(ValueError, match="not a GGUF"):
        read_metadata(saved[0] / "model.safetensors")
    third = HFSummarizer(name="g", model=str(folder / "tiny.Q8_0.gguf"), weight_cache=False)
    assert third.identity()["chat_template_sha256"] == ident["chat_template_sha256"]  # from GGUF metadata
    assert third._tok is None
    assert {k: v for k, v in second.identity().items() if k != "model"} == \
        {k: v for k, v in ident.items() if k != "model"}


@pytest.mark.slow
def test_smollm2_preset_writes_a_real_summary():
    """The real SmolLM2-135M-Instruct GGUF from its package, through the preset (minutes the first
    time: de-quantizing; seconds later: the weight cache in ``~/.cache/harness`` is used)."""
    body = ("Estonia, Latvia, Lithuania and Poland announced on Tuesday that they intend to withdraw "
            "from the Ottawa Convention banning anti-personnel mines, citing the military threat "
            "from Russia. The decision must still be approved by their parliaments.")
    art = Article(id="ottawa", text=body, title="Four countries to leave the mine treaty", body=body)
    summ = HFSummarizer(name="smollm2", preset="smollm2-135m-instruct", max_new_tokens=48)
    out = summ.summarize([art])[0]
    assert out.text and "error" not in out.meta, out.meta
    assert any(c in out.text for c in ("Estonia", "Latvia", "Lithuania", "Poland", "mine"))
    ident = summ.identity()
    assert ident["prompt_mode"] == "chat" and ident["model"]["quantization"] == "Q4_1"
    again = HFSummarizer(name="smollm2", preset="smollm2-135m-instruct", max_new_tokens=48)
    again._load()
    assert again.loaded_from_weight_cache is True
    assert again.summarize([art])[0].text == out.text


def test_quiet_hides_the_gguf_conversion_bar_and_only_then(tmp_path, monkeypatch, capfd):
    pytest.importorskip("gguf")
    folder = tmp_path / "gguf"
    folder.mkdir()
    write_tiny_gguf(folder / "tiny.Q8_0.gguf")
    for quiet in (True, False):
        if quiet:
            monkeypatch.setenv("HARNESS_QUIET", "1")
        else:
            monkeypatch.delenv("HARNESS_QUIET")
        HFSummarizer(name="g", model=str(folder / "tiny.Q8_0.gguf"), weight_cache=False)._load()
        shown = "de-quantizing GGUF tensors" in capfd.readouterr().err
        assert shown is not quiet
