"""The descriptions check (``checks/descriptors.py``): a name of the article given the description
the article gives one other name. The article is the team's own (a hospital wing), not the seed."""

from __future__ import annotations

import pytest

from harness.records import Article
from harness.scorers.hallucination import HallucinationScorer

BODY = ("The Pellham Royal Infirmary will open its new cancer wing in April, the hospital's chief executive, "
        "Marta Okonjo, said on Monday. The wing was designed by architect Tobias Renn and cost 38 million pounds. "
        "Health minister Gareth Lyle, who visited the site, called the wing long overdue. "
        "Nurses Ruth Adebayo and Colm Farrell led a ten-year campaign for it, with help from porter Dev Sandhu.")
ARTICLE = Article(id="infirmary", text=BODY, body=BODY, published="2026-02-09")


@pytest.fixture(scope="module")
def scorer():
    return HallucinationScorer(lm="none")


def _described(scorer, summary: str, article: Article = ARTICLE) -> list[tuple[str, str, str]]:
    """The descriptions check's findings on ``summary`` (before findings at one span are merged)."""
    analysis = scorer.analyse_many([(article, summary)])[0]
    return [(f.kind, summary[f.start:f.end], f.detail) for c in analysis.claims for f in c.findings
            if f.detail.startswith("the article calls")]


@pytest.mark.parametrize("summary, name, holder", [
    ("Chief executive Tobias Renn said the new cancer wing would open in April.", "Tobias Renn", "Marta Okonjo"),
    ("The wing cost 38 million pounds and was designed by architect Gareth Lyle.", "Gareth Lyle", "Tobias Renn"),
    ("Health minister Marta Okonjo called the new wing long overdue.", "Marta Okonjo", "Gareth Lyle"),
    ("Porter Gareth Lyle helped the nurses' campaign.", "Gareth Lyle", "Dev Sandhu"),
])
def test_a_name_described_as_the_article_describes_another_is_an_entity_finding(scorer, summary, name, holder):
    found = _described(scorer, summary)
    assert [(kind, text) for kind, text, _ in found] == [("entity", name)]
    assert holder in found[0][2] and not scorer.score(ARTICLE, summary).faithful


@pytest.mark.parametrize("summary", [
    "Chief executive Marta Okonjo said the new cancer wing would open in April.",
    "Marta Okonjo, the hospital's chief executive, said the wing would open in April.",
    "The wing was designed by architect Tobias Renn and cost 38 million pounds.",
    "Minister Gareth Lyle visited the site.",
    "Nurse Colm Farrell led the campaign for the wing.",
])
def test_a_description_the_article_gives_the_same_name_passes(scorer, summary):
    assert _described(scorer, summary) == []


def test_a_description_the_article_gives_several_names_is_a_class_and_not_checked(scorer):
    body = ("Midfielder Ola Brenn scored twice for Castor Athletic on Saturday. Their striker, Jon Vell, missed "
            "a penalty. Later, midfielder Sami Torkel added a third goal.")
    article = Article(id="match", text=body, body=body, published="2026-04-04")
    # two midfielders: the description does not single anyone out
    assert _described(scorer, "Midfielder Jon Vell missed a penalty for Castor Athletic.", article) == []
    # one striker; the recogniser takes "Striker" into the name, the article writes it in lower case
    found = _described(scorer, "Striker Sami Torkel added a third goal.", article)
    assert [(kind, text) for kind, text, _ in found] == [("entity", "Sami Torkel")]
    assert "Jon Vell" in found[0][2]


def test_a_sentence_holding_the_name_and_the_description_keeps_the_name(scorer):
    # the parse hangs "treasurer" on one name only; the sentence holding both keeps Lena Voss
    body = ("Lena Voss joined the board in May. She replaces treasurer Piet Aalders, and Lena Voss is now "
            "treasurer too.")
    article = Article(id="board", text=body, body=body, published="2026-05-20")
    assert _described(scorer, "Treasurer Lena Voss joined the board in May.", article) == []


def test_the_finding_shows_the_sentence_that_gives_the_description_to_the_other_name(scorer):
    # the claim is aligned to the opening sentence (Okonjo, April); the architect is named in the second
    result = scorer.score(ARTICLE, "Architect Marta Okonjo said the new cancer wing would open in April.")
    found = [h for h in result.hallucinations if h.text == "Marta Okonjo"]
    assert [h.detail for h in found] == ["the article calls 'Tobias Renn' 'Architect', not 'Marta Okonjo'"]
    assert found[0].source_evidence == "The wing was designed by architect Tobias Renn and cost 38 million pounds."
