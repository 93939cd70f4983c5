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
"""

from __future__ import annotations

import json
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

from ..errors import ConfigError, HarnessError, did_you_mean
from ..records import Article, Summary
from . import presets
from .gguf_meta import read_metadata

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


def _gguf_quantization(path: Path) -> str | None:
    """The GGUF file's quantization as llama.cpp names it (``Q4_1``, ``Q4_K_M``), from its metadata
    (the file name when the metadata does not say)."""
    value = read_metadata(path, {"general.file_type"}).get("general.file_type")
    if value is not None:
        try:
            import gguf

            return gguf.LlamaFileType(int(value)).name.removeprefix("MOSTLY_")
        except (ImportError, ValueError):
            return f"file_type={value}"
    parts = path.name.split(".")
    return parts[-2] if len(parts) >= 3 else None


def _as_plain_model(model: Any) -> bool:
    """Detach the GGUF quantizer from a model whose weights were fully de-quantized (so that
    ``save_pretrained`` writes ordinary safetensors); False when weights stayed packed (GGUF
    kernels installed), which cannot be saved and load fast anyway."""
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is None:
        return True
    if getattr(quantizer, "packed_modules", None) or any(
            "gguf" in type(m).__name__.lower() for m in model.modules()):
        return False
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    return True


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
        preset: a name from :mod:`harness.summarizers.presets` (instead of ``model``).
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
        self._source: tuple[Path, str | None] | None = None
        self._tok: Any = None
        self._tok_dir: Path | None = None
        self._model: Any = None
        self._identity: dict[str, Any] | None = None
        self.load_seconds: float | None = None
        """Seconds the last model load took (None before the first load)."""
        self.loaded_from_weight_cache: bool | None = None

    # ------------------------------------------------------------ resolution
    def _resolve(self) -> tuple[Path, str | None]:
        """(folder, gguf file name or None) of the weights, found locally (never downloaded
        unless ``local_files_only`` is false)."""
        if self._source is not None:
            return self._source
        if self.preset is not None:
            self._source = presets.get(self.preset).locate()
            return self._source
        p = Path(str(self.model)).expanduser()
        if p.is_file() and p.suffix == ".gguf":
            self._source = (p.parent, p.name)
        elif p.is_dir():
            if self.gguf_file and not (p / self.gguf_file).is_file():
                raise HarnessError(f"models.{self.name}: {p / self.gguf_file} does not exist")
            self._source = (p, self.gguf_file)
        elif p.exists() or str(self.model).startswith((".", "/", "~")) or str(self.model).count("/") != 1:
            raise HarnessError(f"models.{self.name}: model {self.model!r} is not a model folder "
                               "or a .gguf file")
        else:
            try:
                from huggingface_hub import snapshot_download

                allow = [self.gguf_file, "*.json", "*.jinja", "*.txt", "*.model"] if self.gguf_file else None
                folder = snapshot_download(str(self.model), revision=self.revision,
                                           local_files_only=self.local_files_only, allow_patterns=allow)
            except Exception as exc:  # noqa: BLE001 - many hub error types; all mean "not here"
                raise HarnessError(
                    f"models.{self.name}: {self.model!r} is not a local path and is not in the local "
                    f"Hugging Face cache ({type(exc).__name__}); give a folder, or set "
                    "local_files_only: false on a machine with hub access") from exc
            self._source = (Path(folder), self.gguf_file)
        return self._source

    def _weights_key(self) -> str | None:
        folder, gguf = self._resolve()
        if gguf is None:
            return None
        from ..cache import file_sha256

        return "gguf-" + file_sha256(folder / gguf)[:40]

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
        folder, gguf = self._resolve()
        if gguf is not None:
            return "causal"
        cfg_path = folder / "config.json"
        if cfg_path.exists():
            cfg = json.loads(cfg_path.read_text())
            if cfg.get("is_encoder_decoder"):
                return "seq2seq"
        return "causal"

    # ------------------------------------------------------------ loading
    def _tokenizer(self) -> Any:
        if self._tok is not None:
            return self._tok
        from transformers import AutoTokenizer

        folder, gguf = self._resolve()
        kwargs = {"trust_remote_code": self.trust_remote_code, "local_files_only": True}
        key = self._weights_key() if self.weight_cache else None
        from ..cache import weights_dir, weights_ready

        if key is not None and weights_ready(weights_dir(key)):
            self._tok = AutoTokenizer.from_pretrained(str(weights_dir(key)), **kwargs)
        elif gguf is not None:
            self._tok = AutoTokenizer.from_pretrained(str(folder), gguf_file=gguf, **kwargs)
        else:
            self._tok = AutoTokenizer.from_pretrained(str(folder), **kwargs)
        if self._resolved_kind() == "causal":
            self._tok.padding_side = "left"
        if self._tok.pad_token_id is None:
            self._tok.pad_token = self._tok.eos_token if self._tok.eos_token is not None else self._tok.unk_token
        return self._tok

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        import torch
        from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

        from ..cache import publish_dir, weights_dir, weights_ready

        tok = self._tokenizer()
        folder, gguf = self._resolve()
        cls = AutoModelForSeq2SeqLM if self._resolved_kind() == "seq2seq" else AutoModelForCausalLM
        dtype = getattr(torch, self._resolved_dtype())
        kwargs = {"trust_remote_code": self.trust_remote_code, "local_files_only": True, "dtype": dtype}
        start = time.perf_counter()
        key = self._weights_key() if self.weight_cache else None
        self.loaded_from_weight_cache = False
        if key is not None and weights_ready(weights_dir(key)):
            model = cls.from_pretrained(str(weights_dir(key)), **kwargs)
            self.loaded_from_weight_cache = True
        elif gguf is not None:
            model = cls.from_pretrained(str(folder), gguf_file=gguf,
                                        **{**kwargs, "dtype": torch.float32})
            if key is not None and _as_plain_model(model):
                with publish_dir(weights_dir(key)) as tmp:
                    model.save_pretrained(str(tmp), safe_serialization=True)
                    tok.save_pretrained(str(tmp))
            model = model.to(dtype)
        else:
            model = cls.from_pretrained(str(folder), **kwargs)
        model.to(self._resolved_device())
        model.eval()
        self.load_seconds = time.perf_counter() - start
        self._model = model
        return model

    # ------------------------------------------------------------ identity
    def _chat_template(self) -> str | None:
        """The tokenizer's chat template, read from the files when the tokenizer is not loaded
        (so that a fully cached run never builds a tokenizer)."""
        if self._tok is not None:
            template = getattr(self._tok, "chat_template", None)
            return None if not template else str(template)
        folder, gguf = self._resolve()
        key = self._weights_key() if self.weight_cache else None
        from ..cache import weights_dir, weights_ready

        if key is not None and weights_ready(weights_dir(key)):
            folder, gguf = weights_dir(key), None
        if gguf is not None:
            return read_metadata(folder / gguf, {"tokenizer.chat_template"}).get("tokenizer.chat_template")
        if (folder / "chat_template.jinja").exists():
            return (folder / "chat_template.jinja").read_text(encoding="utf-8")
        for name in ("tokenizer_config.json", "chat_template.json"):
            if (folder / name).exists():
                template = json.loads((folder / name).read_text(encoding="utf-8")).get("chat_template")
                if template:
                    return str(template)
        return None

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

        from ..cache import dir_sha256, file_sha256

        folder, gguf = self._resolve()
        source = f"preset:{self.preset}" if self.preset else str(self.model)
        model_id: dict[str, Any] = {"source": source, "gguf_file": gguf, "revision": self.revision}
        if gguf is not None:
            model_id["sha256"] = file_sha256(folder / gguf)
            model_id["quantization"] = _gguf_quantization(folder / gguf)
        else:
            model_id["sha256"] = dir_sha256(folder)
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
                         **({"gguf": _version("gguf")} if gguf is not None else {})},
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
