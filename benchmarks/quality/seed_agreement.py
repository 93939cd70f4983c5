"""Agreement with a careful reader on labelled summaries of the news benchmark's articles
(``benchmarks/news/seed_summaries.jsonl``, the seed article's development set written by the
team; ``benchmarks/news/other_summaries.jsonl``, summaries of the twelve other articles, written
and labelled without sight of the scorers):

- coverage with the annotation's hints, and with the hints removed (statements only):
  share of (fact, summary) pairs whose covered / not-covered verdict equals the label;
- the statements-only agreement at other values of ``covered_threshold`` (0.2 to 0.8): how far
  the shipped cut (0.5, fitted on REALSumm) is from the best cut on this style of summary;
- hallucination: share of erroneous summaries flagged (``faithful`` false) and of faithful ones
  flagged, and the share flagged per labelled error kind.

    python benchmarks/quality/seed_agreement.py [--summaries FILE] [--lm smollm2-135m-instruct]"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import ROOT, emit  # noqa: E402

CUTS = tuple(round(0.2 + 0.05 * k, 2) for k in range(13))
"""The ``covered_threshold`` values tried for the statements-only cut transfer."""


def _statements_only(article):
    """The article with every fact's hints removed (judged by its statement alone)."""
    facts = tuple(dataclasses.replace(f, any_of=(), all_of=(), pattern=None, date=None, number=None)
                  for f in article.facts)
    return dataclasses.replace(article, facts=facts)


def _agreement(scorer, rows, articles):
    """Share of (fact, summary) pairs where ``covered`` equals the label, and the disagreements."""
    agree = total = 0
    disagreements = []
    for row in rows:
        for v in scorer.score(articles[row["article_id"]], row["summary"]).facts:
            said, truth = v.status == "covered", v.id in row["covered"]
            agree += said == truth
            total += 1
            if said != truth:
                disagreements.append(f"{row['id']}:{v.id}:{'FP' if said else 'FN'}")
    return round(agree / total, 3), total, disagreements


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
        share, total, disagreements = _agreement(coverage, rows, arts)
        result[f"coverage_{mode}"] = {"agreement": share, "pairs": total, "disagreements": disagreements}
        table.append([f"coverage ({mode})", total, share])
    by_cut = {cut: _agreement(FactCoverageScorer(covered_threshold=cut, partial_threshold=min(0.2, cut)),
                              rows, bare)[0] for cut in CUTS}
    best = max(by_cut, key=lambda c: (by_cut[c], -abs(c - 0.5)))
    result["coverage_statements_by_cut"] = {"agreement": {str(c): a for c, a in by_cut.items()},
                                            "best_cut": best, "best_agreement": by_cut[best]}
    table.append([f"coverage (statements), best cut {best}", "", by_cut[best]])
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
