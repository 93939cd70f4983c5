"""Roles: who did what to whom, on sentences written for these tests (a cup final, a takeover,
a treaty among made-up states). spaCy's small English pipeline parses them; each expected
finding is read off the sentences."""

from __future__ import annotations

import pytest

from harness.checkers.faithfulness.roles import frames, role_errors
from harness.checkers.faithfulness.support import build_source
from harness.resources import parse

SOURCE = [
    "Ashford Rovers beat Millbrook Town 4-3 on penalties to win the Regional Cup on Saturday.",
    "Goalkeeper Tomas Wierzbicki saved two penalties.",
    "Valdoria, Kestmark and Orlen signed the river treaty on Monday, the foreign ministry said.",
    "The step follows Orlen's withdrawal from the fishing accord banning drift nets.",
    "The board of Crestmark Holdings approved the takeover of Greenfork.",
    "Solvane, a water start-up, raised $40 million to build a desalination plant in Port Edrin.",
    "The round was led by Harrowgate Capital.",
]


def _errors(claim: str, source: list[str] = SOURCE) -> list[tuple[str, str]]:
    claim_frames = frames(parse([claim])[0])
    keys = frozenset(f.key for f in claim_frames)
    source_frames = [f for doc in parse(source, ner=False) for f in frames(doc, keys)]
    src = build_source(" ".join(source))
    return [(e.text, e.detail) for e in role_errors(claim_frames, source_frames, src.sent_stems)]


@pytest.mark.parametrize("claim", [
    "Ashford Rovers beat Millbrook Town on penalties.",
    "Millbrook Town were beaten by Ashford Rovers.",  # the passive: the same roles
    "Valdoria, Kestmark and Orlen signed the river treaty.",
    "Orlen withdrew from the fishing accord banning drift nets.",
    "The takeover of Greenfork was approved by the board of Crestmark Holdings.",
    # the infinitive's doer is not the passive's "by" agent: Solvane builds, Harrowgate led
    "Solvane raised $40 million in a round led by Harrowgate Capital to build a desalination plant.",
])
def test_the_roles_the_article_gives_raise_nothing(claim):
    assert _errors(claim) == []


def test_a_doer_and_a_done_to_swapped():
    assert [t for t, _ in _errors("Millbrook Town beat Ashford Rovers on penalties.")] == ["Millbrook Town"]


def test_an_extra_or_wrong_actor_from_elsewhere_in_the_article():
    found = _errors("Valdoria, Kestmark, Orlen and Greenfork signed the river treaty.")
    assert [t for t, _ in found] == ["Greenfork"]
    assert "Valdoria, Kestmark, Orlen" in found[0][1]


def test_the_doer_of_one_statement_joined_to_the_object_of_another():
    found = _errors("Valdoria, Kestmark and Orlen withdrew from the fishing accord banning drift nets.")
    assert [t for t, _ in found] == ["Valdoria", "Kestmark"]  # only Orlen's withdrawal is in the article
    assert all("Orlen" in detail for _, detail in found)


def test_a_name_in_the_article_as_the_wrong_object():
    assert [t for t, _ in _errors("Ashford Rovers beat Kestmark on penalties.")] == ["Kestmark"]


def test_a_verb_the_article_does_not_use_is_left_to_the_other_checks():
    assert _errors("Millbrook Town lifted the Regional Cup.") == []  # a paraphrase: no frame of 'lift' to compare


def test_a_reported_pronoun_subject_is_the_reporters():
    found = _errors("Valdoria and Kestmark announced they had withdrawn from the fishing accord banning drift nets.")
    # "they" are Valdoria and Kestmark, and only Orlen's withdrawal is in the article
    assert [t for t, _ in found] == ["Valdoria", "Kestmark"] and all("Orlen" in d for _, d in found)


def test_an_intention_to_act_is_not_the_act():
    from harness.checkers.polarity import flips, predicates

    source = parse(["The three states announced their intention to leave the fishing accord."], ner=False)[0]
    done = parse(["The three states have left the fishing accord."], ner=False)[0]
    planned = parse(["The three states will leave the fishing accord."], ner=False)[0]
    assert [f.what for f in flips(predicates(done), predicates(source))] == ["modality"]
    assert flips(predicates(planned), predicates(source)) == []


def test_a_negated_claim_is_compared_only_with_what_the_article_negates():
    # not signing gives Harrowgate Capital no part in the signing the article reports
    assert _errors("Harrowgate Capital chose not to sign the river treaty.") == []
    # a non-signing the article reports of another name is still checked against it
    negated = SOURCE + ["Brennick did not sign the river treaty."]
    assert [t for t, _ in _errors("Harrowgate Capital did not sign the river treaty.", negated)] == ["Harrowgate Capital"]


HARBOUR = [
    "A storm cracked the northern breakwater at Port Selwyn on Tuesday night.",
    "A full survey of the breakwater was ordered on Wednesday and will take a month.",
    "Tessa Quill scored twice for Harlow and will join Brenton in the summer.",
    "Harlow equalised through a header from Mara Lind, and went ahead when substitute Edie Marsh scored late on.",
    "Quill and Harlow goalkeeper Nell Fenwick both played their 300th game of the season in the 2-0 win over"
    " Brenton on Sunday night.",
]
"""A second article written for these tests: a harbour storm and a women's football club."""


def _harbour_errors(claim: str) -> list[tuple[str, str]]:
    return _errors(claim, HARBOUR)


def test_what_the_act_is_done_to_as_its_doer_where_the_article_leaves_the_doer_unnamed():
    # the article does not say who ordered it; the survey is what was ordered, so it cannot be who did
    found = _harbour_errors("A full survey of the breakwater ordered the harbour's director.")
    assert [t for t, _ in found] == ["full survey breakwater"]
    assert _harbour_errors("The harbour's director ordered a full survey of the breakwater.") == []


def test_an_extra_doer_the_article_names_in_the_same_sentence_but_elsewhere_in_the_act():
    # Brenton is in the sentence of Quill's goals, as the club she will join, not as a scorer
    found = _harbour_errors("Tessa Quill and Brenton scored twice for Harlow.")
    assert [t for t, _ in found] == ["Brenton"] and "Tessa Quill" in found[0][1]


def test_a_co_doer_the_article_gives_the_act_in_other_words_is_no_extra_doer():
    # Lind's header is her goal, though the parse gives "scored" only to Marsh
    assert _harbour_errors("Mara Lind and Edie Marsh scored for Harlow.") == []


def test_a_name_in_apposition_is_the_participant_it_names():
    # "Harlow goalkeeper Nell Fenwick" is one participant, not a goalkeeper with a name beside her
    assert _harbour_errors("Quill and Nell Fenwick both played their 300th game of the season.") == []


def test_a_doer_is_questioned_only_against_the_same_act():
    cup = ["Millbrook took the lead through a header from Kofi Asante.",
           "Rovers went ahead when substitute Leo Brannigan scored with his first touch."]
    # the article's only "scored" is Brannigan's goal for Rovers, not the Millbrook goal
    assert _errors("Kofi Asante scored the Millbrook goal.", cup) == []
    # the same act with nothing to tell it apart is still Brannigan's
    assert [t for t, _ in _errors("Kofi Asante scored with his first touch.", cup)] == ["Kofi Asante"]


BRIDGE = [
    "The new footbridge over the Arden canal opened on Friday.",
    "The town celebrated with Ruth Calloway cutting the ribbon at noon.",
    "The design prize went to Ines Varga, who beat Tobias Renk in the final round.",
    "Tobias Renk chaired the town's planning committee for six years.",
    "Crews led by Halvik Steel fitted the last girder in March.",
    "Halvik Steel, supplying the girders, missed two deadlines.",
]
"""A third article written for these tests: a footbridge opening."""


def test_the_doer_of_with_and_a_participle_is_the_name_before_it():
    # "with Ruth Calloway cutting the ribbon": she cut it (the parse hangs "cutting" on "celebrated")
    assert [t for t, _ in _errors("Tobias Renk cut the ribbon.", BRIDGE)] == ["Tobias Renk"]
    assert _errors("Ruth Calloway cut the ribbon.", BRIDGE) == []


def test_a_relative_pronoun_stands_for_the_name_its_clause_hangs_on():
    # "Ines Varga, who beat Tobias Renk": Varga is the doer
    found = _errors("Halvik Steel beat Tobias Renk in the final round.", BRIDGE)
    assert [t for t, _ in found] == ["Halvik Steel"] and "Ines Varga" in found[0][1]
    assert _errors("Ines Varga beat Tobias Renk in the final round.", BRIDGE) == []


def test_the_noun_a_past_participle_describes_is_what_the_act_is_done_to():
    # "crews led by Halvik Steel": the crews are led
    assert [t for t, _ in _errors("Halvik Steel was led by the crews.", BRIDGE)] == ["crews"]
    assert _errors("The crews were led by Halvik Steel.", BRIDGE) == []


def test_the_name_a_present_participle_describes_is_the_doer():
    # "Halvik Steel, supplying the girders": Halvik Steel supplies them
    assert [t for t, _ in _errors("Tobias Renk supplied the girders.", BRIDGE)] == ["Tobias Renk"]
    assert _errors("Halvik Steel supplied the girders.", BRIDGE) == []
