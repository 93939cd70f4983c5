"""``harness meta-eval coverage|faithfulness --data FILE... [--json OUT]`` (faithfulness also
``[--lm MODEL] [--threshold T]``): agreement of the scorers with human labels on the public
meta-evaluation formats, or on a user's own labelled summaries in the same format."""

from __future__ import annotations

import argparse
import importlib


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``meta-eval`` parser."""
    p = sub.add_parser("meta-eval", help="measure a scorer's agreement with human labels")
    kinds = p.add_subparsers(dest="kind", metavar="KIND")
    kinds.required = True
    for kind, help_text in (
        ("coverage", "fact coverage on REALSumm-format files (metaeval/coverage/)"),
        ("faithfulness", "hallucination verdicts on metaeval/faithfulness/-format files"),
    ):
        k = kinds.add_parser(kind, help=help_text)
        k.add_argument("--data", nargs="+", required=True, metavar="FILE", help="JSONL files")
        k.add_argument("--json", metavar="OUT", help="also write the figures as JSON here")
        k.add_argument("--limit", type=int, help="only the first N documents/items per file")
        k.add_argument("--judge", metavar="CONFIG_OR_YAML",
                       help="measure the scorer with a judge: a YAML file (a config, whose scorers' judge is "
                       "used, or a judge mapping) or an inline mapping such as '{kind: nli, model: PATH}'")
        if kind == "coverage":
            k.add_argument("--cv", type=int, metavar="K", help="instead of the shipped coefficients: K-fold "
                           "cross-validation by document (coefficients refitted on the other folds)")
        if kind == "faithfulness":
            k.add_argument("--lm", metavar="MODEL", help="the likelihood judge's model, e.g. smollm2-135m-instruct "
                           "(default: none, as in configs/default.yaml: no judge, lexical weights)")
            k.add_argument("--model", metavar="FILE", help="a weights file (harness refit faithfulness --out FILE) "
                           "instead of the shipped one; needed with an --lm the shipped weights were not fitted on")
            k.add_argument("--threshold", type=float, metavar="T",
                           help="measure at this cut instead of the weights' own (e.g. one this command printed "
                           "as the best cut on your own labelled summaries)")
        k.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    args.judge_spec = judge_spec(args.judge, "coverage" if args.kind == "coverage" else "hallucination") \
        if args.judge else None
    module = importlib.import_module(f"harness.metaeval.{args.kind}")
    return module.main(args)


def judge_spec(value: str, scorer: str) -> dict:
    """The judge mapping of ``--judge``: from a YAML file (a run config's ``scorers.<scorer>.judge``,
    a file with a top-level ``judge:``, or a judge mapping) or from inline YAML."""
    from pathlib import Path

    import yaml

    from ..config import parse_yaml, read_yaml_mapping
    from ..errors import ConfigError

    if Path(value).is_file():
        raw, where = read_yaml_mapping(value), value
    else:
        try:
            raw, where = parse_yaml(value), "--judge"
        except yaml.YAMLError as exc:
            raise ConfigError(f"--judge: neither a file nor a YAML mapping ({exc})") from None
    if isinstance(raw, dict) and isinstance(raw.get("scorers"), dict):
        raw = (raw["scorers"].get(scorer) or {}).get("judge")
    elif isinstance(raw, dict) and "judge" in raw:
        raw = raw["judge"]
    if not isinstance(raw, dict) or "kind" not in raw:
        raise ConfigError(f"{where}: no judge for the {scorer} scorer (a mapping with 'kind: nli' or 'kind: llm')")
    return raw
