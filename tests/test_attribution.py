"""Attribution (harness/checkers/faithfulness/attribution.py): who says what, and claims that put words in
the wrong mouth.

The sentences were written for these tests (a ferry service in the made-up Kessel Bay); spaCy's
small English pipeline parses them. A speaker is the subject of a speech verb, the "by" agent
of a passive one, or the object of "according to"; pronouns are never speakers. Expected
speakers are read off the sentences."""

from __future__ import annotations

from harness.checkers.faithfulness.attribution import Speaker, speakers, wrong_speakers
from harness.resources import parse

SOURCE = "Mayor Tom Brandt said the Kessel Bay ferry will stop running on Friday."


def _speakers(text: str) -> list[Speaker]:
    return speakers(parse([text])[0])


def test_the_subject_of_a_speech_verb_with_its_title():
    text = "Mayor Tom Brandt said the Kessel Bay ferry will stop running on Friday."
    (sp,) = _speakers(text)
    assert sp.text == "Mayor Tom Brandt" and text[sp.start:sp.end] == sp.text
    assert {"mayor", "tom", "brandt"} <= sp.words
    (told,) = _speakers("Tom Brandt told reporters that the pier would reopen.")
    assert told.text == "Tom Brandt"  # "tell" is a speech verb; "reporters" are not the speaker
    (inverted,) = _speakers("The ferry will stop running, said Mayor Tom Brandt.")
    assert inverted.text == "Mayor Tom Brandt"  # news style: the subject after the verb


def test_passive_agent_and_according_to():
    (agent,) = _speakers("The closure was announced by the harbour council.")
    assert agent.text == "the harbour council" and "the" not in agent.words  # stopwords dropped
    text = "The pier is unsafe, according to the fire service."
    (acc,) = _speakers(text)
    assert acc.text == "the fire service" and text[acc.start:acc.end] == acc.text


def test_no_speaker_for_pronouns_or_verbs_that_are_not_speech():
    assert _speakers("She said the ferry will stop running on Friday.") == []
    assert _speakers("Mayor Tom Brandt opened the new pier in Dunmore.") == []  # "open" is no speech verb
    assert _speakers("The ferry will stop running on Friday.") == []


def test_a_different_speaker_is_wrong():
    claim = _speakers("Councillor Ada Pryce said the ferry will stop running on Friday.")
    wrong = wrong_speakers(claim, _speakers(SOURCE))
    assert [s.text for s in wrong] == ["Councillor Ada Pryce"]  # no word shared with "Mayor Tom Brandt"


def test_the_same_speaker_by_part_of_the_name_is_right():
    assert wrong_speakers(_speakers("Brandt said the ferry will stop running."), _speakers(SOURCE)) == []
    assert wrong_speakers(_speakers("The mayor said the ferry will stop running."), _speakers(SOURCE)) == []


def test_nothing_to_compare_is_no_finding():
    claim = _speakers("Councillor Ada Pryce said the ferry will stop running on Friday.")
    assert claim  # the claim names a speaker, but the source sentence names none
    assert wrong_speakers(claim, _speakers("The Kessel Bay ferry will stop running on Friday.")) == []
    assert wrong_speakers([], _speakers(SOURCE)) == []


def test_a_source_speaker_among_several_claim_speakers_clears_them_all():
    """Built by hand (no parser): the claim names the police and Ada Pryce; the source's only
    speaker, the police, is among them, so Pryce (who shares no word with the police) is not
    flagged; without the police in the claim she is."""
    police = Speaker(0, 6, "police", frozenset({"police"}))
    pryce = Speaker(20, 29, "Ada Pryce", frozenset({"ada", "pryce"}))
    source = [Speaker(0, 10, "the police", frozenset({"police"}))]
    assert wrong_speakers([police, pryce], source) == []
    assert wrong_speakers([pryce], source) == [pryce]
