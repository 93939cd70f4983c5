"""Agreement with a careful reader on labelled summaries of the news benchmark's articles
(``benchmarks/news/seed_summaries.jsonl``, the seed article's development set written by the
team; ``benchmarks/news/other_summaries.jsonl``, summaries of the twelve other articles, written
and labelled without sight of the scorers):

- coverage with the annotation's hints, and with the hints removed (statements only):
  share of (fact, summary) pairs whose covered / not-covered verdict equals the label;
- the statements-only agreement at other values of ``covered_threshold`` (0.2 to 0.8): how far
  the shipped cut (0.5, fitted on REALSumm) is from the best cut on this style of summary; and
  the agreement on the other pairs when the cut is chosen on 20, 50 or 100 labelled pairs (what
  ``harness calibrate coverage`` does with that many labels);
- hallucination: share of erroneous summaries flagged (``faithful`` false) and of faithful ones
  flagged, and the share flagged per labelled error kind.

    python benchmarks/quality/seed_agreement.py [--summaries FILE] [--lm smollm2-135m-instruct]"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import ROOT, emit  # noqa: E402

CUTS = tuple(round(0.2 + 0.05 * k, 2) for k in range(13))
"""The ``covered_threshold`` values tried for the statements-only cut transfer."""
LABELLED = (20, 50, 100)
"""Labelled pairs a simulated ``harness calibrate coverage`` chooses the cut on (20 seeded draws each)."""


def _statements_only(article):
    """The article with every fact's hints removed (judged by its statement alone)."""
    facts = tuple(dataclasses.replace(f, any_of=(), all_of=(), pattern=None, date=None, number=None)
                  for f in article.facts)
    return dataclasses.replace(article, facts=facts)


def _agreement(scorer, rows, articles):
    """Share of (fact, summary) pairs where ``covered`` equals the label, how many pairs, the
    disagreements, and per pair whether it agrees."""
    hits = []
    disagreements = []
    for row in rows:
        for v in scorer.score(articles[row["article_id"]], row["summary"]).facts:
            said, truth = v.status == "covered", v.id in row["covered"]
            hits.append(said == truth)
            if said != truth:
                disagreements.append(f"{row['id']}:{v.id}:{'FP' if said else 'FN'}")
    return round(sum(hits) / len(hits), 3), len(hits), disagreements, hits


def _calibrated(hits: dict[float, list[bool]], k: int, draws: int = 20) -> float | None:
    """Mean agreement on the other pairs when the cut is the best one on ``k`` labelled pairs
    drawn at random (what ``harness calibrate coverage`` does with k labels; nearest 0.5 among
    equals); None when fewer than 2k pairs."""
    n = len(next(iter(hits.values())))
    if 2 * k > n:
        return None
    out = []
    for seed in range(draws):
        chosen = set(random.Random(f"{seed}|{k}").sample(range(n), k))
        cut = max(hits, key=lambda c: (sum(hits[c][i] for i in chosen), -abs(c - 0.5)))
        rest = [i for i in range(n) if i not in chosen]
        out.append(sum(hits[cut][i] for i in rest) / len(rest))
    return round(sum(out) / draws, 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--summaries", default=str(ROOT / "benchmarks/news/seed_summaries.jsonl"))
    ap.add_argument("--lm", default="none",
                    help="the hallucination scorer's likelihood judge (none: lexical weights)")
    args = ap.parse_args()
    from harness.pipeline import build_scorers, prepare_articles
    from harness.scorers.coverage import FactCoverageScorer

    articles = {a.id: a for a in prepare_articles(ROOT / "benchmarks/news/articles.jsonl")}
    bare = {k: _statements_only(a) for k, a in articles.items()}
    rows = [json.loads(x) for x in open(args.summaries, encoding="utf-8") if x.strip()]
    coverage, faith = build_scorers({"coverage": {}, "hallucination": {"lm": args.lm}})
    result, table = {}, []
    for mode, arts in (("hints", articles), ("statements", bare)):
        share, total, disagreements, _ = _agreement(coverage, rows, arts)
        result[f"coverage_{mode}"] = {"agreement": share, "pairs": total, "disagreements": disagreements}
        table.append([f"coverage ({mode})", total, share])
    hits = {cut: _agreement(FactCoverageScorer(covered_threshold=cut, partial_threshold=min(0.2, cut)),
                            rows, bare)[3] for cut in CUTS}
    by_cut = {cut: round(sum(h) / len(h), 3) for cut, h in hits.items()}
    best = max(by_cut, key=lambda c: (by_cut[c], -abs(c - 0.5)))
    calibrated = {k: _calibrated(hits, k) for k in LABELLED}
    result["coverage_statements_by_cut"] = {"agreement": {str(c): a for c, a in by_cut.items()},
                                            "best_cut": best, "best_agreement": by_cut[best],
                                            "cut_chosen_on_k_labelled": {str(k): v for k, v in calibrated.items()}}
    table.append([f"coverage (statements), best cut {best}", "", by_cut[best]])
    for k, v in calibrated.items():
        if v is not None:
            table.append([f"coverage (statements), cut chosen on {k} labelled pairs, the others", "", v])
    bad = [r for r in rows if not r["faithful"]]
    good = [r for r in rows if r["faithful"]]
    flagged = {r["id"]: not faith.score(articles[r["article_id"]], r["summary"]).faithful for r in rows}
    kinds: dict[str, list[bool]] = defaultdict(list)
    for r in bad:
        kinds[r.get("error") or "unlabelled"].append(flagged[r["id"]])
    result["hallucination"] = {
        "erroneous_flagged": round(sum(flagged[r["id"]] for r in bad) / len(bad), 3), "n_erroneous": len(bad),
        "faithful_flagged": round(sum(flagged[r["id"]] for r in good) / len(good), 3), "n_faithful": len(good),
        "flagged_by_kind": {k: f"{sum(v)} of {len(v)}" for k, v in sorted(kinds.items())},
        "missed": [r["id"] for r in bad if not flagged[r["id"]]],
        "false_alarms": [r["id"] for r in good if flagged[r["id"]]],
    }
    table.append(["erroneous flagged", len(bad), result["hallucination"]["erroneous_flagged"]])
    table.append(["faithful flagged", len(good), result["hallucination"]["faithful_flagged"]])
    emit("seed_agreement", result, table, ["what", "n", "share"])


if __name__ == "__main__":
    main()
