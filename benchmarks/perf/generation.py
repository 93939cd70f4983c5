"""Generation speed of the ``hf`` backend on a real preset: load times and tokens/s by batch size.

Measures, for one preset (default ``smollm2-135m-instruct``):

1. GGUF load with an empty weight cache (de-quantize + save the converted weights),
2. the same load again, from the weight cache (safetensors),
3. optionally (``--plain-load``) a GGUF load with the weight cache off,
4. greedy generation of exactly ``--new-tokens`` tokens for ``--prompt-words`` of article text at
   each batch size (left padding), as new tokens per second over the whole batch.

Prints one JSON object, then a short table. Uses a fresh temporary ``HARNESS_CACHE_DIR`` unless
``--cache-dir`` is given. Example::

    python benchmarks/perf/generation.py --batches 1,4,8,16
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root

SENTENCES = [
    "Estonia, Latvia, Lithuania and Poland announced on Tuesday that they intend to withdraw "
    "from the Ottawa Convention, which bans anti-personnel mines.",
    "The defence ministers said the military threat from Russia had grown since the treaty was "
    "signed, and that their armed forces needed every means to defend the border.",
    "The decision must still be approved by the four countries' parliaments, and withdrawal takes "
    "effect six months after the United Nations is notified.",
    "Human rights groups criticised the plan, saying mines kill and maim civilians for decades "
    "after a conflict ends.",
    "Finland is considering a similar step, its government said, while Norway ruled it out.",
]


def article_text(words: int, shift: int) -> str:
    out: list[str] = []
    i = shift
    while len(" ".join(out).split()) < words:
        out.append(SENTENCES[i % len(SENTENCES)])
        i += 1
    return " ".join(" ".join(out).split()[:words])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="smollm2-135m-instruct")
    parser.add_argument("--batches", default="1,4,8,16")
    parser.add_argument("--new-tokens", type=int, default=128,
                        help="the shipped configs' max_new_tokens for SmolLM2 (default 128)")
    parser.add_argument("--prompt-words", type=int, default=300, help="about 400 tokens")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--cache-dir", default=None, help="default: a fresh temporary folder")
    parser.add_argument("--plain-load", action="store_true", help="also time a load without weight cache")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's choice; 1 is faster on a busy machine)")
    parser.add_argument("--json", default=None, help="also write the JSON here")
    args = parser.parse_args(argv)

    cache = args.cache_dir or tempfile.mkdtemp(prefix="harness-bench-")
    os.environ["HARNESS_CACHE_DIR"] = cache
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from harness.records import Article
    from harness.summarizers.hf import HFSummarizer

    def make(**kw):
        return HFSummarizer(name="bench", preset=args.preset, device=args.device, dtype=args.dtype,
                            max_new_tokens=args.new_tokens,
                            generation={"min_new_tokens": args.new_tokens}, **kw)

    result: dict = {"preset": args.preset, "new_tokens": args.new_tokens,
                    "prompt_words": args.prompt_words, "torch_threads": torch.get_num_threads(),
                    "cpus": os.cpu_count(), "machine": platform.machine(), "load": {}, "batches": []}
    def timed_load(**kw):
        start = time.perf_counter()
        summ = make(**kw)
        summ._load()  # tokenizer + model (+ saving the converted weights the first time)
        return summ, round(time.perf_counter() - start, 2)

    first, seconds = timed_load()
    result["load"]["first_load_s"] = seconds
    result["load"]["first_model_only_s"] = round(first.load_seconds, 2)
    result["load"]["first_from_weight_cache"] = first.loaded_from_weight_cache
    del first
    second, seconds = timed_load()
    result["load"]["cached_load_s"] = seconds
    result["load"]["cached_model_only_s"] = round(second.load_seconds, 2)
    result["load"]["cached_from_weight_cache"] = second.loaded_from_weight_cache
    if args.plain_load:
        plain, seconds = timed_load(weight_cache=False)
        result["load"]["plain_gguf_load_s"] = seconds
        del plain
    summ = second
    result["device"] = str(summ._model.device)
    result["dtype"] = summ._resolved_dtype()
    warm = Article(id="w", text="", title="Warm-up", body=article_text(40, 0))
    summ._batch([warm])
    for size in [int(b) for b in args.batches.split(",") if b.strip()]:
        arts = [Article(id=f"a{i}", text="", title="Four countries to leave mine treaty",
                        body=article_text(args.prompt_words, i)) for i in range(size)]
        start = time.perf_counter()
        out = summ._batch(arts)
        seconds = time.perf_counter() - start
        new = sum(s.meta["new_tokens"] for s in out)
        result["batches"].append({
            "batch_size": size, "seconds": round(seconds, 3), "new_tokens": new,
            "prompt_tokens_mean": round(sum(s.meta["prompt_tokens"] for s in out) / size, 1),
            "tokens_per_s": round(new / seconds, 2)})
        print(f"batch {size}: {new / seconds:.1f} tokens/s", file=sys.stderr, flush=True)
    result["sample_summary"] = out[0].text[:300]
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    print(f"\n{args.preset} on {result['device']} ({result['dtype']}, {result['torch_threads']} threads)")
    how = "from the weight cache" if result["load"]["first_from_weight_cache"] else "GGUF de-quantize + save"
    print(f"load: first {result['load']['first_load_s']} s ({how}), "
          f"cached {result['load']['cached_load_s']} s"
          + (f", plain GGUF {result['load']['plain_gguf_load_s']} s" if args.plain_load else ""))
    print("batch  prompt_tok  new_tok  seconds  tokens/s")
    for row in result["batches"]:
        print(f"{row['batch_size']:>5}  {row['prompt_tokens_mean']:>10}  {row['new_tokens']:>7}  "
              f"{row['seconds']:>7}  {row['tokens_per_s']:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
