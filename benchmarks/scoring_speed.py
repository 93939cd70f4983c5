"""Scorer throughput: summaries/s and (fact, summary) pairs/s for coverage and hallucination
checking, models loaded once, on the news benchmark (and optionally the dev meta-evaluation
files), with ``rouge-score`` on the same pairs as the cheap reference point.

    python benchmarks/scoring_speed.py [--repeat 8] [--metaeval]

The "whole process" figure is interpreter start, imports and model loads, then one pass of both
scorers over the pairs (the separate per-scorer and ROUGE passes are not counted in it)."""

from __future__ import annotations

import argparse
import json
import time

T_START = time.perf_counter()

from _common import ROOT, SHARED, emit, peak_rss_mb  # noqa: E402


def news_pairs(repeat: int):
    """(article, summary) pairs: lead-3, reference and the body itself for every article, x repeat."""
    from harness.pipeline import prepare_articles
    from harness.text import sentences

    articles = prepare_articles(ROOT / "benchmarks/news/articles.jsonl")
    pairs = []
    for a in articles:
        lead = " ".join(s.text for s in sentences(a.body)[:3])
        for s in (lead, a.references[0], a.body):
            pairs.append((a, s))
    return pairs * repeat


def time_scorer(scorer, pairs) -> dict:
    t = time.perf_counter()
    scorer.score_many(pairs[:4])  # warm-up: lazy model loads happen here
    load = time.perf_counter() - t
    t = time.perf_counter()
    results = scorer.score_many(pairs)
    secs = time.perf_counter() - t
    n_facts = sum(len(a.facts) for a, _ in pairs)
    return {"summaries": len(pairs), "seconds": round(secs, 3), "warmup_seconds": round(load, 3),
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=8, help="copies of the news pairs to score")
    args = ap.parse_args()
    from harness.pipeline import build_scorers, score_pairs
    from harness.records import Summary

    pairs = news_pairs(args.repeat)
    scorers = build_scorers({"coverage": {}, "hallucination": {}})
    score_pairs([(a, Summary("m", a.id, s)) for a, s in pairs[:2]], scorers, progress=False)  # load models
    ready = time.perf_counter() - T_START
    result = {"news": {}}
    for s in scorers:
        result["news"][s.role] = time_scorer(s, pairs)
    result["news"]["rouge_score"] = time_rouge(pairs)
    t = time.perf_counter()
    score_pairs([(a, Summary("m", a.id, s)) for a, s in pairs], scorers, progress=False)
    both = time.perf_counter() - t
    result["news"]["both_scorers"] = {"summaries": len(pairs), "seconds": round(both, 3),
                                      "summaries_per_s": round(len(pairs) / both, 1)}
    whole = ready + both  # process start, imports and model loads, then one scoring pass
    result["whole_process"] = {"seconds": round(whole, 3), "startup_seconds": round(ready, 3),
                               "summaries": len(pairs), "summaries_per_s": round(len(pairs) / whole, 1)}
    result["peak_rss_mb"] = peak_rss_mb()
    rows = [[k, v.get("summaries", len(pairs)), v["seconds"], v["summaries_per_s"], v.get("fact_pairs_per_s", "")]
            for k, v in result["news"].items()]
    rows.append(["whole process", len(pairs), result["whole_process"]["seconds"],
                 result["whole_process"]["summaries_per_s"], ""])
    emit("scoring_speed", result, rows, ["what", "summaries", "seconds", "summaries/s", "fact pairs/s"])


if __name__ == "__main__":
    main()
