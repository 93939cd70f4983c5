"""The scaling benchmark's synthetic copies: no sentence is shared between copies, while body
extraction and page furniture stay those of the original articles."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from harness.checkers.faithfulness.claims import split_sentences
from harness.gold import prepare_articles

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load_scaling():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location("scaling_benchmark", BENCHMARKS / "perf/scaling.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCHMARKS))


scaling = _load_scaling()


def test_copies_share_no_sentence_and_keep_body_and_furniture(tmp_path):
    original = prepare_articles(scaling.NEWS)
    copies = prepare_articles(scaling.make_gold(2, tmp_path))
    assert len(copies) == 2 * len(original)
    assert len({a.id for a in copies}) == len(copies)
    for k, copy in enumerate(copies):
        source = original[k % len(original)]
        assert copy.furniture == source.furniture
        assert copy.body.count("\n") == source.body.count("\n")
        sentences = [copy.body[a:b] for a, b in split_sentences(copy.body)]
        assert sentences and all(s.startswith(f"Copy{k // len(original)} ") for s in sentences)
        assert all(f.statement.startswith(f"Copy{k // len(original)} ") for f in copy.facts)
        assert all(r.startswith(f"Copy{k // len(original)} ") for r in copy.references)
    body_sentences = [a.body[x:y] for a in copies for x, y in split_sentences(a.body)]
    assert len(set(body_sentences)) == len(body_sentences)


def test_mark_puts_the_word_before_every_sentence():
    assert scaling.mark("One here. Two there? Three.", "Copy3") == "Copy3 One here. Copy3 Two there? Copy3 Three."
