"""The opposites check (``checks/antonyms.py``) and the WordNet antonyms it reads
(``harness.resources.antonyms``). The articles are the team's own (a transit board, a cup tie),
not the seed."""

from __future__ import annotations

import pytest

from harness.records import Article
from harness.resources import antonyms
from harness.scorers.hallucination import HallucinationScorer

BODY = ("The Harlan transit board raised bus fares by 10 percent on Tuesday, its first increase in six years. "
        "The board rejected a proposal to close the Dunmore depot. Ridership fell slightly in 2025, the board "
        "said, and the night bus service will remain open.")
ARTICLE = Article(id="transit", text=BODY, body=BODY, published="2026-01-13")

MATCH = ("Castor Athletic lost 2-1 to Brennick Rovers on Saturday. Rovers striker Ola Brenn scored the winner "
         "in the 88th minute.")
MATCH_ARTICLE = Article(id="cup", text=MATCH, body=MATCH, published="2026-03-07")


@pytest.fixture(scope="module")
def scorer():
    return HallucinationScorer(lm="none")


def _opposites(scorer, summary: str, article: Article = ARTICLE) -> list[tuple[str, str, str]]:
    """The opposites check's findings on ``summary`` (before findings at one span are merged)."""
    analysis = scorer.analyse_many([(article, summary)])[0]
    return [(f.kind, summary[f.start:f.end], f.detail) for c in analysis.claims for f in c.findings
            if f.detail.startswith("opposite")]


def test_wordnet_antonyms_are_read_offline_from_the_installed_package():
    assert antonyms("increase", "v") == {"decrease"}
    assert {"lower"} <= antonyms("raise", "v") and "fall" in antonyms("rise", "v")
    assert antonyms("high", "a") == {"low"} and antonyms("table", "v") == frozenset()


@pytest.mark.parametrize("summary, word, theirs", [
    ("The Harlan transit board lowered bus fares by 10 percent.", "lowered", "raised"),
    ("The board accepted a proposal to close the Dunmore depot.", "accepted", "rejected"),
    ("Ridership rose slightly in 2025.", "rose", "fell"),
    ("The night bus service will remain closed.", "closed", "open"),
])
def test_a_word_turned_into_its_opposite_is_a_negation_finding(scorer, summary, word, theirs):
    assert _opposites(scorer, summary) == [("negation", word, f"opposite: the article says {theirs!r} here, "
                                                              f"not {word!r}")]
    result = scorer.score(ARTICLE, summary)
    assert not result.faithful
    [found] = [h for h in result.hallucinations if h.text == word]
    assert theirs in found.source_evidence


@pytest.mark.parametrize("summary", [
    "The Harlan transit board raised bus fares by 10 percent.",
    "Ridership did not rise in 2025.",
    "The board did not accept a proposal to close the Dunmore depot.",
    "The night bus service will stay open.",
    "Ridership rose and fell slightly in 2025.",  # says both: contradicts nothing
    "It rose slightly in 2025.",  # no subject or object to tell what rose
])
def test_the_article_s_own_word_or_a_negated_opposite_passes(scorer, summary):
    assert _opposites(scorer, summary) == []


def test_a_converse_with_the_other_side_as_subject_is_not_a_contradiction(scorer):
    # "Rovers won" and "Athletic lost to Rovers" say the same; "Athletic won" does not
    assert _opposites(scorer, "Brennick Rovers won 2-1 against Castor Athletic on Saturday.", MATCH_ARTICLE) == []
    assert [w for _, w, _ in _opposites(scorer, "Castor Athletic won 2-1 against Brennick Rovers.",
                                        MATCH_ARTICLE)] == ["won"]
