"""Gold traps hit only where the summary asserts them: a hint match that a negation or an open
question governs from outside the matched words is no hit. On an article written by the team for
this test (a ferry strike vote), never the seed."""

from __future__ import annotations

import pytest

from harness.checkers.polarity import unasserted
from harness.records import Article, Trap
from harness.resources import parse
from harness.scorers.hallucination import HallucinationScorer

BODY = ("Ferry crews on the Tarrow Sound routes will vote next week on whether to strike, the Maritime "
        "Workers Union said on Tuesday. The union rejected the operator's offer of a 3 percent pay rise. "
        "No sailings have been cancelled so far, and the operator said it hoped talks would resume.")
ARTICLE = Article(
    id="ferry-vote", text=BODY, body=BODY, published="2026-03-10",
    traps=(Trap("strike-called", "The crews are said to have gone on strike or sailings to be cancelled.",
                "unsupported", pattern=r"\b(went|gone|are) on strike|sailings (have been|were) cancelled"),
           Trap("offer-accepted", "The union is said to have accepted the offer.", "negation",
                pattern=r"\b(has not |did not |didn't )?accept(ed)? the (operator's )?offer")))


@pytest.fixture(scope="module")
def hallucination():
    return HallucinationScorer(lm="none")


def _traps(scorer, summary: str) -> list[str]:
    return [h.trap_id for h in scorer.score(ARTICLE, summary).hallucinations if h.kind == "trap"]


def test_a_trap_stated_plainly_is_hit(hallucination):
    assert _traps(hallucination, "Ferry crews on the Tarrow Sound routes have gone on strike.") == ["strike-called"]
    assert _traps(hallucination, "Sailings have been cancelled on the Tarrow Sound routes.") == ["strike-called"]


def test_a_trap_under_a_negation_or_an_open_question_is_not_hit(hallucination):
    assert _traps(hallucination, "No sailings have been cancelled on the Tarrow Sound routes so far.") == []
    assert _traps(hallucination, "Ferry crews will vote next week on whether they are on strike.") == []
    assert _traps(hallucination, "The union did not say that crews had gone on strike.") == []


def test_a_trap_whose_own_pattern_holds_the_negation_still_hits(hallucination):
    # the pattern itself takes "did not": the negation is inside the match, so the match stands
    assert _traps(hallucination, "The Maritime Workers Union did not accept the operator's offer.") == ["offer-accepted"]


@pytest.mark.parametrize("sentence, words, why", [
    ("The minister did not say that the bridge had reopened.", "bridge had reopened", "negated by 'not'"),
    ("Nobody was hurt in the crash.", "was hurt", "negated by 'Nobody'"),
    ("It is unclear whether the plant will close.", "plant will close", "in a clause opened by 'whether'"),
    ("If the licence is granted, the painting will be shown.", "licence is granted", "in a clause opened by 'If'"),
    ("The council did not meet, and the mayor approved the plan.", "approved the plan", ""),
    ("The firm will not appeal because the court ruled against it.", "court ruled against it", ""),
])
def test_what_governs_a_span_from_outside(sentence, words, why):
    doc = parse([sentence])[0]
    start = sentence.index(words)
    assert unasserted(doc, start, start + len(words)) == why
