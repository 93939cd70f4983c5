"""Scorer throughput: summaries/s and (fact, summary) pairs/s for coverage and hallucination
checking, models loaded once, on saved summaries of the news benchmark, with ``rouge-score`` on
the same pairs as the cheap reference point.

    python benchmarks/perf/scoring_speed.py [--bodies] [--cli]

The summaries are what the extractive baselines save for every article of the news benchmark
(lead, TextRank and oracle at 1 to 4 sentences, and the reference), each distinct text once: no
figure is flattered by scoring a copy of a summary already scored. ``--bodies`` adds a separate
row for the article bodies themselves scored as summaries (a long-text stress case, ~30 claims each);
``--cli`` a row for ``harness score`` run on the same summaries saved as a file, timed from outside.

The "whole process" figure is interpreter start, imports and model loads, then one pass of both
scorers over the summaries (the separate per-scorer and ROUGE passes are not counted in it). The
per-scorer passes and the bodies row start with every memo emptied (``harness.memo.clear_all``):
each summary's sentences are parsed and embedded again, as in a first pass."""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

T_START = time.perf_counter()

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import ROOT, emit, peak_rss_mb  # noqa: E402


def news_pairs() -> list:
    """(article, summary) pairs: the distinct summaries the extractive baselines and the
    reference give each article of the news benchmark."""
    from harness.pipeline import prepare_articles
    from harness.summarizers import build

    articles = prepare_articles(ROOT / "benchmarks/news/articles.jsonl")
    systems = [build({"name": f"{b}-{k}", "backend": b, "sentences": k})
               for b in ("lead", "textrank", "oracle") for k in (1, 2, 3, 4)]
    systems.append(build({"name": "reference", "backend": "reference"}))
    seen, pairs = set(), []
    for system in systems:
        for a, summary in zip(articles, system.summarize(articles)):
            if (a.id, summary.text) not in seen and summary.text.strip():
                seen.add((a.id, summary.text))
                pairs.append((a, summary.text))
    return pairs


def body_pairs() -> list:
    """Each article's body scored as its own summary."""
    from harness.pipeline import prepare_articles

    return [(a, a.body) for a in prepare_articles(ROOT / "benchmarks/news/articles.jsonl")]


def time_scorer(scorer, pairs) -> dict:
    t = time.perf_counter()
    results = scorer.score_many(pairs)
    secs = time.perf_counter() - t
    n_facts = sum(len(a.facts) for a, _ in pairs)
    return {"summaries": len(pairs), "seconds": round(secs, 3),
            "summaries_per_s": round(len(pairs) / secs, 1), "fact_pairs_per_s": round(n_facts / secs, 1),
            "n_results": len(results)}


def time_rouge(pairs) -> dict:
    from rouge_score import rouge_scorer

    rs = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    t = time.perf_counter()
    n = 0
    for a, s in pairs:
        for f in a.facts:
            rs.score(f.statement, s)
            n += 1
    secs = time.perf_counter() - t
    return {"seconds": round(secs, 3), "summaries_per_s": round(len(pairs) / secs, 1),
            "fact_pairs_per_s": round(n / secs, 1)}


def time_cli(pairs) -> dict:
    """``harness score`` on the summaries saved as a file, timed from outside as a user runs it
    (interpreter start to exit: reading, scoring, writing the results and reports), with an
    empty cache folder."""
    with tempfile.TemporaryDirectory() as tmp:
        seen: collections.Counter = collections.Counter()
        with open(f"{tmp}/summaries.jsonl", "w", encoding="utf-8") as f:
            for a, s in pairs:  # one "model" per summary of an article: (model, article) is unique
                seen[a.id] += 1
                f.write(json.dumps({"model": f"system-{seen[a.id]}", "article_id": a.id, "summary": s}) + "\n")
        env = {**os.environ, "HARNESS_CACHE_DIR": f"{tmp}/cache"}
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "harness", "score", "--gold", str(ROOT / "benchmarks/news/articles.jsonl"),
                        "--summaries", f"{tmp}/summaries.jsonl", "--out", f"{tmp}/out"],
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        secs = time.perf_counter() - t
    return {"summaries": len(pairs), "seconds": round(secs, 3), "summaries_per_s": round(len(pairs) / secs, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bodies", action="store_true", help="also time the article bodies scored as summaries")
    ap.add_argument("--cli", action="store_true", help="also time `harness score` on the summaries saved as a file")
    ap.add_argument("--print-pairs", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.print_pairs:  # the child process that makes the summaries
        print(json.dumps([[a.id, s] for a, s in news_pairs()]))
        return
    # Making the summaries is not part of scoring them, and the oracle baseline loads the
    # scorers' models to make its own: a separate process makes them, and its time is not counted.
    t = time.perf_counter()
    made = subprocess.run([sys.executable, __file__, "--print-pairs"], capture_output=True, text=True, check=True)
    making = time.perf_counter() - t
    from harness.memo import clear_all
    from harness.pipeline import build_scorers, prepare_articles, score_pairs
    from harness.records import Summary

    articles = {a.id: a for a in prepare_articles(ROOT / "benchmarks/news/articles.jsonl")}
    pairs = [(articles[i], s) for i, s in json.loads(made.stdout)]
    scorers = build_scorers({"coverage": {}, "hallucination": {}})
    warm = body_pairs()[:1]  # loads the models on a text outside the timed set
    score_pairs([(a, Summary("m", a.id, "A sentence to load the models.")) for a, _ in warm], scorers, progress=False)
    ready = time.perf_counter() - T_START - making
    t = time.perf_counter()
    score_pairs([(a, Summary("m", a.id, s)) for a, s in pairs], scorers, progress=False)
    both = time.perf_counter() - t
    whole = ready + both  # process start, imports and model loads, then one scoring pass
    result = {"news": {"both_scorers": {"summaries": len(pairs), "seconds": round(both, 3),
                                        "summaries_per_s": round(len(pairs) / both, 1)}},
              "whole_process": {"seconds": round(whole, 3), "startup_seconds": round(ready, 3),
                                "summaries": len(pairs), "summaries_per_s": round(len(pairs) / whole, 1)}}
    for s in scorers:  # each scorer alone, its models loaded, every memo emptied first
        clear_all()
        result["news"][s.role] = time_scorer(s, pairs)
    result["news"]["rouge_score"] = time_rouge(pairs)
    if args.bodies:
        bodies = body_pairs()
        clear_all()
        t = time.perf_counter()
        score_pairs([(a, Summary("m", a.id, s)) for a, s in bodies], scorers, progress=False)
        secs = time.perf_counter() - t
        result["bodies_as_summaries"] = {"summaries": len(bodies), "seconds": round(secs, 3),
                                         "summaries_per_s": round(len(bodies) / secs, 2)}
    if args.cli:
        result["harness_score_cli"] = time_cli(pairs)
    result["peak_rss_mb"] = peak_rss_mb()
    rows = [[k, v["summaries"] if "summaries" in v else len(pairs), v["seconds"], v["summaries_per_s"],
             v.get("fact_pairs_per_s", "")] for k, v in result["news"].items()]
    rows.append(["whole process", len(pairs), result["whole_process"]["seconds"],
                 result["whole_process"]["summaries_per_s"], ""])
    if args.cli:
        c = result["harness_score_cli"]
        rows.append(["harness score (CLI, whole run)", c["summaries"], c["seconds"], c["summaries_per_s"], ""])
    if args.bodies:
        b = result["bodies_as_summaries"]
        rows.append(["bodies (both scorers)", b["summaries"], b["seconds"], b["summaries_per_s"], ""])
    emit("scoring_speed", result, rows, ["what", "summaries", "seconds", "summaries/s", "fact pairs/s"])


if __name__ == "__main__":
    main()
