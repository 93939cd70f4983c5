"""Where an ``hf`` model's files are and how they load: local folders, ``.gguf`` files, presets,
the local Hugging Face cache, and the converted-weight cache for GGUF files.

:func:`locate` finds the files (never downloading unless asked); :class:`ModelFiles` answers what
the identity needs without loading anything (sha256, quantization, chat template, kind) and loads
the tokenizer and the model, keeping de-quantized GGUF weights in ``cache_dir()/weights``.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import HarnessError
from . import presets
from .gguf_meta import read_metadata


def locate(name: str, model: str | None, preset: str | None, gguf_file: str | None,
           revision: str | None, local_files_only: bool) -> tuple[Path, str | None]:
    """(folder, GGUF file name or None) of a model: a preset, a ``.gguf`` file, a folder, or a
    Hub id found in the local Hugging Face cache (downloaded only if ``local_files_only`` is False)."""
    if preset is not None:
        return presets.get(preset).locate()
    p = Path(str(model)).expanduser()
    if p.is_file() and p.suffix == ".gguf":
        return p.parent, p.name
    if p.is_dir():
        if gguf_file and not (p / gguf_file).is_file():
            raise HarnessError(f"models.{name}: {p / gguf_file} does not exist")
        return p, gguf_file
    if p.exists() or str(model).startswith((".", "/", "~")) or str(model).count("/") != 1:
        raise HarnessError(f"models.{name}: model {model!r} is not a model folder or a .gguf file")
    try:
        from huggingface_hub import snapshot_download

        allow = [gguf_file, "*.json", "*.jinja", "*.txt", "*.model"] if gguf_file else None
        folder = snapshot_download(str(model), revision=revision, local_files_only=local_files_only,
                                   allow_patterns=allow)
    except Exception as exc:  # noqa: BLE001 - many hub error types; all mean "not here"
        raise HarnessError(
            f"models.{name}: {model!r} is not a local path and is not in the local Hugging Face "
            f"cache ({type(exc).__name__}); give a folder, or set local_files_only: false on a "
            "machine with hub access") from exc
    return Path(folder), gguf_file


def gguf_quantization(path: Path) -> str | None:
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


def as_plain_model(model: Any) -> bool:
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


@dataclass
class ModelFiles:
    """A located model and how to load it."""

    folder: Path
    gguf: str | None
    weight_cache: bool = True
    trust_remote_code: bool = False

    def sha256(self) -> str:
        """sha256 of the GGUF file, or over every file of the folder (memoized by size+mtime)."""
        from ..cache import dir_sha256, file_sha256

        return file_sha256(self.folder / self.gguf) if self.gguf else dir_sha256(self.folder)

    def quantization(self) -> str | None:
        return gguf_quantization(self.folder / self.gguf) if self.gguf else None

    def converted(self) -> Path | None:
        """The folder of de-quantized weights for this GGUF file, when it is complete."""
        if not self.gguf or not self.weight_cache:
            return None
        from ..cache import weights_dir, weights_ready

        path = weights_dir("gguf-" + self.sha256()[:40])
        return path if weights_ready(path) else None

    def is_seq2seq(self) -> bool:
        if self.gguf:
            return False
        cfg = self.folder / "config.json"
        return cfg.exists() and bool(json.loads(cfg.read_text()).get("is_encoder_decoder"))

    def chat_template(self) -> str | None:
        """The chat template read from the files (loads no tokenizer)."""
        folder, gguf = (self.converted(), None) if self.converted() else (self.folder, self.gguf)
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

    def load_tokenizer(self) -> Any:
        from transformers import AutoTokenizer

        kwargs = {"trust_remote_code": self.trust_remote_code, "local_files_only": True}
        converted = self.converted()
        if converted is not None:
            return AutoTokenizer.from_pretrained(str(converted), **kwargs)
        if self.gguf is not None:
            return AutoTokenizer.from_pretrained(str(self.folder), gguf_file=self.gguf, **kwargs)
        return AutoTokenizer.from_pretrained(str(self.folder), **kwargs)

    def load_model(self, tokenizer: Any, dtype: str) -> tuple[Any, bool]:
        """(model in ``dtype`` on the CPU, whether it came from the converted-weight cache). A GGUF
        file is de-quantized and, with ``weight_cache``, saved with its tokenizer for next time."""
        import torch
        from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

        from ..cache import publish_dir, weights_dir

        cls = AutoModelForSeq2SeqLM if self.is_seq2seq() else AutoModelForCausalLM
        kwargs = {"trust_remote_code": self.trust_remote_code, "local_files_only": True,
                  "dtype": getattr(torch, dtype)}
        converted = self.converted()
        if converted is not None:
            return cls.from_pretrained(str(converted), **kwargs), True
        if self.gguf is None:
            return cls.from_pretrained(str(self.folder), **kwargs), False
        with gguf_progress_bar(not os.environ.get("HARNESS_QUIET")):
            model = cls.from_pretrained(str(self.folder), gguf_file=self.gguf,
                                        **{**kwargs, "dtype": torch.float32})
        if self.weight_cache and as_plain_model(model):
            with publish_dir(weights_dir("gguf-" + self.sha256()[:40])) as tmp:
                model.save_pretrained(str(tmp), safe_serialization=True)
                tokenizer.save_pretrained(str(tmp))
        return model.to(getattr(torch, dtype)), False


@contextlib.contextmanager
def gguf_progress_bar(show: bool) -> Any:
    """While active, ``transformers``' "de-quantizing GGUF tensors" bar shows only if ``show``.
    That bar is a plain ``tqdm`` (the library's verbosity settings do not reach it), so ``--quiet``
    (which sets ``HARNESS_QUIET``) turns it off here."""
    if show:
        yield
        return
    import functools

    from transformers import modeling_gguf_pytorch_utils as gguf_utils

    bar = gguf_utils.tqdm
    gguf_utils.tqdm = functools.partial(bar, disable=True)
    try:
        yield
    finally:
        gguf_utils.tqdm = bar
