"""Agreement with a careful reader on labelled summaries of the seed article
(``benchmarks/news/seed_summaries.jsonl``, a development set written by the team):

- coverage with the annotation's hints, and with the hints removed (statements only):
  share of (fact, summary) pairs whose covered / not-covered verdict equals the label;
- hallucination: share of erroneous summaries flagged (``faithful`` false) and of faithful ones
  flagged.

    python benchmarks/quality/seed_agreement.py [--summaries FILE]"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import ROOT, emit  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--summaries", default=str(ROOT / "benchmarks/news/seed_summaries.jsonl"))
    from harness.checkers.faithfulness.likelihood import DEFAULT_LM

    ap.add_argument("--lm", default=DEFAULT_LM,
                    help="the hallucination scorer's likelihood judge (none: lexical weights)")
    args = ap.parse_args()
    from harness.pipeline import build_scorers, prepare_articles

    articles = {a.id: a for a in prepare_articles(ROOT / "benchmarks/news/articles.jsonl")}
    rows = [json.loads(x) for x in open(args.summaries, encoding="utf-8") if x.strip()]
    coverage, faith = build_scorers({"coverage": {}, "hallucination": {"lm": args.lm}})
    result, table = {}, []
    for mode in ("hints", "statements"):
        agree = total = 0
        disagreements = []
        for row in rows:
            article = articles[row["article_id"]]
            if mode == "statements":
                facts = tuple(dataclasses.replace(f, any_of=(), all_of=(), pattern=None, date=None, number=None)
                              for f in article.facts)
                article = dataclasses.replace(article, facts=facts)
            verdicts = coverage.score(article, row["summary"]).facts
            for v in verdicts:
                said = v.status == "covered"
                truth = v.id in row["covered"]
                agree += said == truth
                total += 1
                if said != truth:
                    disagreements.append(f"{row['id']}:{v.id}:{'FP' if said else 'FN'}")
        result[f"coverage_{mode}"] = {"agreement": round(agree / total, 3), "pairs": total,
                                      "disagreements": disagreements}
        table.append([f"coverage ({mode})", total, round(agree / total, 3)])
    bad = [r for r in rows if not r["faithful"]]
    good = [r for r in rows if r["faithful"]]
    flagged = {r["id"]: not faith.score(articles[r["article_id"]], r["summary"]).faithful for r in rows}
    caught = sum(flagged[r["id"]] for r in bad)
    false_alarms = sum(flagged[r["id"]] for r in good)
    result["hallucination"] = {
        "erroneous_flagged": round(caught / len(bad), 3), "n_erroneous": len(bad),
        "faithful_flagged": round(false_alarms / len(good), 3), "n_faithful": len(good),
        "missed": [r["id"] for r in bad if not flagged[r["id"]]],
        "false_alarms": [r["id"] for r in good if flagged[r["id"]]],
    }
    table.append(["erroneous flagged", len(bad), round(caught / len(bad), 3)])
    table.append(["faithful flagged", len(good), round(false_alarms / len(good), 3)])
    emit("seed_agreement", result, table, ["what", "n", "share"])


if __name__ == "__main__":
    main()
