"""Scaling: 1x, 4x and 16x the news articles (synthetic copies with changed ids and a marker
word before every sentence, see :func:`make_gold`; memos and caches off), run through
the ``eval`` pipeline in a fresh process each (models loaded and warmed first on other text): time
per summary and peak memory (of the process, of its embedding helper process, and their sum, which
the "peak_memory_change" figure compares).

Each factor runs ``--repeat`` times (fresh processes, alternating factors) and its median run
counts: a single run of the small 1x set swings by a fifth on a shared machine.

    python benchmarks/perf/scaling.py [--factors 1 4 16] [--models lead] [--repeat 3]"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import ROOT, emit  # noqa: E402

from harness.checkers.faithfulness.claims import split_sentences
from harness.pipeline import prepare_articles

NEWS = ROOT / "benchmarks/news/articles.jsonl"


def make_gold(factor: int, folder: Path, name: str = "copy") -> Path:
    """``factor`` copies of the news articles with changed ids. In copy k, every sentence of
    the article's body, of its reference summaries and of its fact and trap statements starts
    with the marker word ``<Name>k``: no two copies share a sentence (nothing one copy's scoring
    could reuse from another's, not even within a batch), while the body extraction and the page
    furniture stay exactly those of the original (tested in ``tests/test_benchmark_copies.py``)."""
    rows = [json.loads(x) for x in NEWS.read_text(encoding="utf-8").splitlines() if x.strip()]
    bodies = [set(a.body.split("\n")) for a in prepare_articles(NEWS)]
    path = folder / f"{name}-x{factor}.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for k in range(factor):
            word = f"{name.title()}{k}"
            for row, body in zip(rows, bodies):
                text = "\n".join(mark(line, word) if line.strip() and line in body else line
                                 for line in row["text"].split("\n"))
                notes = {key: [{**x, "statement": mark(x["statement"], word)} for x in row.get(key, [])]
                         for key in ("facts", "traps")}
                refs = [mark(r, word) for r in row.get("references", [])]
                f.write(json.dumps({**row, **notes, "id": f"{row['id']}--copy{k}", "text": text,
                                    "references": refs}, ensure_ascii=False) + "\n")
    return path


def mark(text: str, word: str) -> str:
    """``text`` with ``word`` and a space put before each of its sentences."""
    for start, _ in reversed(split_sentences(text)):
        text = f"{text[:start]}{word} {text[start:]}"
    return text


def config(gold: Path, folder: Path, models: list[str]) -> Path:
    cfg = folder / f"{gold.stem}.yaml"
    model_lines = "\n".join(f"  - {{name: {m}, backend: {m}}}" for m in models)
    cfg.write_text(f"dataset: {gold}\nrun_id: {gold.stem}\noutput_dir: {folder}\ncache: false\n"
                   f"models:\n{model_lines}\n")
    return cfg


def run(gold: Path, folder: Path, models: list[str]) -> tuple[float, float, float]:
    """Seconds of the timed run, and the peak memory (MiB) of the process and of its embedding
    helper process (0 when embedding is in-process)."""
    cfg = config(gold, folder, models)
    # Before the timed run, the same pipeline runs once over other text (the articles marked
    # "Warmup0"): models loaded, kernels warmed, nothing the timed run can reuse.
    # Time per summary thus excludes start-up; peak memory is the whole process's.
    warm = config(make_gold(1, folder, "warmup"), folder, models)
    script = (
        "import resource, sys, time\n"
        "from harness.config import load_config\nfrom harness.pipeline import run_eval\n"
        f"run_eval(load_config({str(warm)!r}), progress=False)\n"
        f"t = time.perf_counter(); run_eval(load_config({str(cfg)!r}), progress=False)\n"
        "secs = time.perf_counter() - t\n"
        "from harness.embed_worker import WORKER\n"
        "print(secs, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, WORKER.peak_rss_mb() or 0,"
        " file=sys.stderr)\n"
    )
    # The per-process memos (embeddings, parses, indexed articles) are off here too, and the
    # generation and score caches are off in the config: every copy is scored from scratch.
    env = {**os.environ, "HARNESS_EMBED_MEMO": "0"}
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          check=True, env=env)
    secs, rss, helper = proc.stderr.strip().splitlines()[-1].split()
    return float(secs), float(rss), float(helper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--factors", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--models", nargs="+", default=["lead", "reference"])
    ap.add_argument("--repeat", type=int, default=3, help="runs per factor; the median run counts")
    args = ap.parse_args()
    n_base = sum(1 for x in NEWS.read_text(encoding="utf-8").splitlines() if x.strip())
    result, rows = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        golds = {factor: make_gold(factor, folder) for factor in args.factors}
        runs: dict[int, list[tuple[float, float, float]]] = {f: [] for f in args.factors}
        for _ in range(max(1, args.repeat)):  # alternating, so that a slow spell hits every factor
            for factor in args.factors:
                runs[factor].append(run(golds[factor], folder, args.models))
        for factor in args.factors:
            secs, rss, helper = sorted(runs[factor])[len(runs[factor]) // 2]  # the median run
            n = n_base * factor * len(args.models)
            result[f"x{factor}"] = {"summaries": n, "seconds": round(secs, 2),
                                    "all_seconds": [round(r[0], 2) for r in runs[factor]],
                                    "ms_per_summary": round(1000 * secs / n, 2), "peak_rss_mb": round(rss, 1),
                                    "helper_peak_rss_mb": round(helper, 1),
                                    "total_peak_rss_mb": round(rss + helper, 1)}
            rows.append([f"x{factor}", n, round(secs, 2), round(1000 * secs / n, 2), round(rss, 1),
                         round(helper, 1), round(rss + helper, 1)])
    first, last = result[f"x{args.factors[0]}"], result[f"x{args.factors[-1]}"]
    result["time_per_summary_change"] = round(last["ms_per_summary"] / first["ms_per_summary"] - 1, 3)
    result["peak_memory_change"] = round(last["total_peak_rss_mb"] / first["total_peak_rss_mb"] - 1, 3)
    emit("scaling", result, rows, ["articles", "summaries", "seconds", "ms/summary", "peak MiB",
                                   "helper peak MiB", "sum MiB"])


if __name__ == "__main__":
    main()
