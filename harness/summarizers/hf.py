"""The ``hf`` backend: summaries from a local ``transformers`` model (seq2seq, chat, base LM, GGUF).

Config keys (= :class:`HFSummarizer` parameters)::

    {backend: hf, name: smollm2, preset: smollm2-135m-instruct}          # a named preset
    {backend: hf, name: mine, model: ./my-bart, kind: seq2seq, prompt: "summarize: {text}"}
    {backend: hf, name: q, model: ./dir, gguf_file: model.Q4_K_M.gguf, max_input_tokens: 2048}

How the prompt is built:

- ``seq2seq`` (encoder-decoder, e.g. BART/T5): the encoder reads ``prompt`` (default ``{text}``).
- ``causal`` with a chat template (``chat`` auto/true): messages ``[system_prompt?, prompt]`` with
  the tokenizer's chat template (default prompt :data:`CHAT_PROMPT`).
- ``causal`` without one (a base model): a document continuation (default :data:`BASE_PROMPT`,
  "... TL;DR:", the zero-shot summarization prompt of the GPT-2 paper); the output is cut at the
  first blank line (``stop``).

Long articles are truncated explicitly: the body is cut so that the prompt fits
``max_input_tokens`` (default: the model's context minus ``max_new_tokens``), and each summary's
``meta`` says ``truncated_tokens`` (body tokens dropped) and ``input_chars_seen`` (characters of the
body the model saw), beside ``prompt_tokens``, ``new_tokens``, ``seconds``, ``device``, ``dtype``.
An empty output is returned with ``meta["error"]`` (never silently).

GGUF files are de-quantized by ``transformers`` at every load (tens of seconds); the converted model
and tokenizer are kept in ``cache_dir()/weights/gguf-<sha256>`` (safetensors), so the second load
takes seconds (``weight_cache: false`` turns this off).

Decoding is greedy unless ``generation`` says otherwise; ``seed`` is set before every batch.
Batches of ``batch_size`` use left padding (causal models); a padded row generates what it
generates alone up to floating-point rounding. :meth:`HFSummarizer.identity` reads only files
(hashes memoized, the chat template from ``tokenizer_config.json``/``chat_template.jinja`` or the
GGUF header), so a fully cached run never loads a tokenizer or weights.
"""

from __future__ import annotations

import time
from importlib import metadata
from typing import Any, Sequence

from ..errors import ConfigError, did_you_mean
from ..records import Article, Summary
from ..weights import presets
from ..weights.files import ModelFiles, locate

CHAT_PROMPT = (
    "Summarize the following news article in two or three sentences. Keep the key facts (who, "
    "what, when, where, numbers) and add nothing that the article does not say.\n\n"
    "Title: {title}\n\n{text}"
)
"""Default user message for chat models."""
BASE_PROMPT = "{title}\n\n{text}\n\nTL;DR:"
"""Default prompt for base (non-chat) causal models: the article, then a cue to summarise."""
SEQ2SEQ_PROMPT = "{text}"
"""Default encoder input for seq2seq models."""

_KINDS = ("auto", "seq2seq", "causal")
_DTYPES = ("auto", "float32", "float16", "bfloat16")
_FALLBACK_CONTEXT = 1024


def _version(pkg: str) -> str | None:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return None


class HFSummarizer:
    """Summaries from a local Hugging Face ``transformers`` model, batched and truncation-aware."""

    def __init__(self, name: str, model: str | None = None, preset: str | None = None,
                 gguf_file: str | None = None, kind: str = "auto", prompt: str | None = None,
                 system_prompt: str | None = None, chat: bool | None = None,
                 stop: list[str] | None = None, max_new_tokens: int | None = None,
                 max_input_tokens: int | None = None, batch_size: int = 4, device: str = "auto",
                 dtype: str = "auto", generation: dict[str, Any] | None = None, seed: int = 0,
                 revision: str | None = None, trust_remote_code: bool = False,
                 local_files_only: bool = True, weight_cache: bool = True):
        """
        name: the model's name in the run. model: a local folder, a ``.gguf`` file, or a Hub id
        (only found in the local Hugging Face cache unless ``local_files_only: false``).
        preset: a name from :mod:`harness.weights.presets` (instead of ``model``).
        gguf_file: the GGUF file inside ``model``'s folder. kind: auto | seq2seq | causal.
        prompt: template with ``{title}`` and ``{text}``. system_prompt: chat models only.
        chat: use the chat template (default: when the tokenizer has one). stop: strings at which
        the output is cut (default: a blank line for base models). max_new_tokens (default 128) /
        max_input_tokens: generation and input budgets (tokens). batch_size: articles per
        ``generate`` call (left padding). device: auto | cpu | cuda | cuda:N. dtype: auto |
        float32 | float16 | bfloat16 (auto: float32 on CPU, bfloat16 on CUDA). generation: extra
        ``generate`` settings (greedy by default: ``do_sample: false``). seed: set before every
        batch. revision: Hub revision. trust_remote_code: run the model's own code (off unless
        asked). weight_cache: keep de-quantized GGUF weights on disk.
        """
        if preset is not None:
            p = presets.get(preset)
            if kind == "auto":
                kind = p.defaults.get("kind", kind)
            if max_new_tokens is None:
                max_new_tokens = p.defaults.get("max_new_tokens")
            if model is not None:
                raise ConfigError(f"models.{name}: give either 'model' or 'preset', not both")
        elif not model:
            raise ConfigError(f"models.{name}: missing key 'model' (or 'preset')")
        if kind not in _KINDS:
            raise ConfigError(f"models.{name}.kind: {kind!r} is not one of {', '.join(_KINDS)}")
        if dtype not in _DTYPES:
            raise ConfigError(f"models.{name}.dtype: {dtype!r} is not one of {', '.join(_DTYPES)}")
        if prompt is not None and "{text}" not in prompt:
            raise ConfigError(f"models.{name}.prompt: the template must contain {{text}}")
        max_new_tokens = 128 if max_new_tokens is None else max_new_tokens
        if int(batch_size) < 1 or int(max_new_tokens) < 1:
            raise ConfigError(f"models.{name}: batch_size and max_new_tokens must be >= 1")
        self.name = name
        self.model = model
        self.preset = preset
        self.gguf_file = gguf_file
        self.kind = kind
        self.prompt = prompt
        self.system_prompt = system_prompt
        self.chat = chat
        self.stop = stop
        self.max_new_tokens = int(max_new_tokens)
        self.max_input_tokens = max_input_tokens
        self.batch_size = int(batch_size)
        self.device = device
        self.dtype = dtype
        self.generation = dict(generation or {})
        self.seed = int(seed)
        self.revision = revision
        self.trust_remote_code = trust_remote_code
        self.local_files_only = local_files_only
        self.weight_cache = weight_cache
        self._source: ModelFiles | None = None
        self._tok: Any = None
        self._model: Any = None
        self._identity: dict[str, Any] | None = None
        self.load_seconds: float | None = None
        """Seconds the last model load took (None before the first load)."""
        self.loaded_from_weight_cache: bool | None = None

    # ------------------------------------------------------------ files and loading
    def _files(self) -> ModelFiles:
        """The model's files, located once (never downloaded unless ``local_files_only`` is false)."""
        if self._source is None:
            folder, gguf = locate(self.name, self.model, self.preset, self.gguf_file, self.revision,
                                  self.local_files_only)
            self._source = ModelFiles(folder, gguf, self.weight_cache, self.trust_remote_code)
        return self._source

    def _resolved_device(self) -> str:
        import torch

        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        return self.device

    def _resolved_dtype(self) -> str:
        if self.dtype != "auto":
            return self.dtype
        if self._resolved_device().startswith("cuda"):
            import torch

            return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
        return "float32"

    def _resolved_kind(self) -> str:
        if self.kind != "auto":
            return self.kind
        return "seq2seq" if self._files().is_seq2seq() else "causal"

    def _tokenizer(self) -> Any:
        if self._tok is None:
            tok = self._files().load_tokenizer()
            if self._resolved_kind() == "causal":
                tok.padding_side = "left"
            if tok.pad_token_id is None:
                tok.pad_token = tok.eos_token if tok.eos_token is not None else tok.unk_token
            self._tok = tok
        return self._tok

    def _load(self) -> Any:
        if self._model is None:
            from ..heap import bound_heap_growth

            bound_heap_growth()  # KV caches and activations: big buffers back to the system when freed
            tok = self._tokenizer()
            start = time.perf_counter()
            model, self.loaded_from_weight_cache = self._files().load_model(tok, self._resolved_dtype())
            model.to(self._resolved_device())
            model.eval()
            self.load_seconds = time.perf_counter() - start
            self._model = model
        return self._model

    # ------------------------------------------------------------ identity
    def _chat_template(self) -> str | None:
        """The chat template, from the loaded tokenizer or else from the files (so that a fully
        cached run never builds a tokenizer)."""
        if self._tok is not None:
            template = getattr(self._tok, "chat_template", None)
            return None if not template else str(template)
        return self._files().chat_template()

    def _chat_mode(self) -> bool:
        if self._resolved_kind() == "seq2seq":
            return False
        has_template = bool(self._chat_template())
        if self.chat and not has_template:
            raise ConfigError(f"models.{self.name}.chat: the tokenizer has no chat template")
        return has_template if self.chat is None else bool(self.chat)

    def _template(self) -> str:
        if self.prompt is not None:
            return self.prompt
        if self._resolved_kind() == "seq2seq":
            return SEQ2SEQ_PROMPT
        return CHAT_PROMPT if self._chat_mode() else BASE_PROMPT

    def _stops(self) -> list[str]:
        if self.stop is not None:
            return list(self.stop)
        return [] if self._resolved_kind() == "seq2seq" or self._chat_mode() else ["\n\n"]

    def _generation(self) -> dict[str, Any]:
        from transformers import GenerationConfig

        known = set(vars(GenerationConfig()))
        for key in self.generation:
            if key not in known or key.startswith("_"):
                raise ConfigError(f"models.{self.name}.generation.{key}: not a generation setting."
                                  + did_you_mean(key, sorted(k for k in known if not k.startswith("_"))))
        if "max_new_tokens" in self.generation or "max_length" in self.generation:
            raise ConfigError(f"models.{self.name}.generation: set the length with the model's "
                              "'max_new_tokens' key, not inside 'generation'")
        settings = {"do_sample": False, "num_beams": 1}
        settings.update(self.generation)
        settings["max_new_tokens"] = self.max_new_tokens
        return settings

    def identity(self) -> dict[str, Any]:
        """Backend, model files (sha256), prompt, chat-template hash, generation settings,
        device, dtype and library versions: everything that changes the output."""
        if self._identity is not None:
            return self._identity
        import hashlib

        files = self._files()
        source = f"preset:{self.preset}" if self.preset else str(self.model)
        model_id: dict[str, Any] = {"source": source, "gguf_file": files.gguf, "revision": self.revision,
                                    "sha256": files.sha256(), "quantization": files.quantization()}
        template = self._chat_template()
        chat = self._chat_mode()
        self._identity = {
            "backend": "hf",
            "model": model_id,
            "kind": self._resolved_kind(),
            "prompt_mode": "seq2seq" if self._resolved_kind() == "seq2seq" else ("chat" if chat else "continuation"),
            "prompt": self._template(),
            "system_prompt": self.system_prompt if chat else None,
            "chat_template_sha256": hashlib.sha256(str(template).encode()).hexdigest() if chat and template else None,
            "stop": self._stops(),
            "max_input_tokens": self.max_input_tokens,
            "generation": self._generation(),
            "seed": self.seed,
            "device": self._resolved_device().split(":")[0],
            "dtype": self._resolved_dtype(),
            "trust_remote_code": self.trust_remote_code,
            "versions": {"transformers": _version("transformers"), "torch": _version("torch"),
                         **({"gguf": _version("gguf")} if files.gguf is not None else {})},
        }
        return self._identity

    # ------------------------------------------------------------ prompting
    def _render(self, title: str, text: str) -> tuple[str, bool]:
        """(prompt string, whether the tokenizer should add special tokens)."""
        user = self._template().replace("{title}", title).replace("{text}", text)
        if not self._chat_mode():
            return user, True
        messages = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        messages.append({"role": "user", "content": user})
        rendered = self._tokenizer().apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return rendered, False

    def _input_budget(self) -> int:
        if self.max_input_tokens is not None:
            return int(self.max_input_tokens)
        cfg = self._load().config
        cfg = getattr(cfg, "text_config", None) or cfg
        context = None
        for attr in ("max_position_embeddings", "n_positions", "max_seq_len", "seq_length"):
            value = getattr(cfg, attr, None)
            if isinstance(value, int) and value > 0:
                context = value
                break
        if context is None:
            model_max = getattr(self._tokenizer(), "model_max_length", 0) or 0
            context = model_max if 0 < model_max < 1_000_000 else _FALLBACK_CONTEXT
        if self._resolved_kind() == "causal":
            context -= self.max_new_tokens
        return context

    def _fit(self, article: Article) -> tuple[str, bool, int, int, int]:
        """(prompt, add_special_tokens, body tokens dropped, body chars seen, prompt tokens)."""
        tok = self._tokenizer()
        body = article.body if article.body is not None else article.text
        empty, special = self._render(article.title, "")
        overhead = len(tok(empty, add_special_tokens=special)["input_ids"])
        budget = self._input_budget() - overhead
        if budget < 1:
            raise ConfigError(f"models.{self.name}.max_input_tokens: the prompt template alone takes "
                              f"{overhead} tokens, more than the input budget")
        seen_chars, dropped = len(body), 0
        if tok.is_fast:
            enc = tok(body, add_special_tokens=False, return_offsets_mapping=True)
            ids, offsets = enc["input_ids"], enc["offset_mapping"]
            if len(ids) > budget:
                dropped = len(ids) - budget
                seen_chars = offsets[budget - 1][1]
        else:
            ids = tok(body, add_special_tokens=False)["input_ids"]
            if len(ids) > budget:
                dropped = len(ids) - budget
                kept = tok.decode(ids[:budget], skip_special_tokens=True)
                seen_chars = len(kept) if body.startswith(kept) else min(len(body), len(kept))
        prompt, special = self._render(article.title, body[:seen_chars])
        n_prompt = len(tok(prompt, add_special_tokens=special)["input_ids"])
        return prompt, special, dropped, seen_chars, n_prompt

    # ------------------------------------------------------------ generation
    def summarize(self, articles: Sequence[Article]) -> list[Summary]:
        """Summaries in the order of ``articles``, ``batch_size`` at a time."""
        out: list[Summary] = []
        for start in range(0, len(articles), self.batch_size):
            out.extend(self._batch(list(articles[start:start + self.batch_size])))
        return out

    def _batch(self, articles: list[Article]) -> list[Summary]:
        import torch

        if not articles:
            return []
        model = self._load()
        tok = self._tokenizer()
        fitted = [self._fit(a) for a in articles]
        special = fitted[0][1]
        enc = tok([f[0] for f in fitted], add_special_tokens=special, padding=True, return_tensors="pt")
        enc = {k: v.to(model.device) for k, v in enc.items()}
        settings = self._generation()
        settings.setdefault("pad_token_id", tok.pad_token_id)
        torch.manual_seed(self.seed)
        start = time.perf_counter()
        with torch.inference_mode():
            generated = model.generate(**enc, **settings)
        seconds = time.perf_counter() - start
        seq2seq = self._resolved_kind() == "seq2seq"
        new = generated[:, 1:] if seq2seq else generated[:, enc["input_ids"].shape[1]:]
        ends = self._end_ids(model, tok)
        results = []
        for article, (_, _, dropped, seen, n_prompt), row in zip(articles, fitted, new.tolist()):
            n_new = next((i for i, t in enumerate(row) if t in ends), len(row))
            raw = tok.decode(row[:n_new], skip_special_tokens=True)
            text = self._postprocess(raw)
            meta: dict[str, Any] = {
                "prompt_tokens": n_prompt, "new_tokens": n_new, "truncated_tokens": dropped,
                "input_chars_seen": seen, "seconds": round(seconds / len(articles), 4),
                "batch_seconds": round(seconds, 4), "batch_size": len(articles),
                "device": str(model.device), "dtype": self._resolved_dtype(),
                "hit_max_new_tokens": n_new >= self.max_new_tokens,
            }
            if not text:
                meta["error"] = f"empty summary ({n_new} new tokens, raw output {raw[:80]!r})"
            results.append(Summary(self.name, article.id, text, meta))
        return results

    @staticmethod
    def _end_ids(model: Any, tok: Any) -> set[int]:
        ids: set[int] = set()
        for value in (getattr(model.generation_config, "eos_token_id", None), tok.eos_token_id, tok.pad_token_id):
            if isinstance(value, int):
                ids.add(value)
            elif isinstance(value, (list, tuple)):
                ids.update(int(v) for v in value)
        return ids

    def _postprocess(self, raw: str) -> str:
        """Strip, then cut at the first stop string that follows some text."""
        text = raw.strip()
        for marker in self._stops() + ["<|im_end|>", "<end_of_turn>", "</s>", "<|endoftext|>"]:
            pos = text.find(marker)
            if pos > 0:
                text = text[:pos]
        return text.strip()
