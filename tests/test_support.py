"""Support (harness/checkers/faithfulness/support.py): indexing a source and finding the sentences that
support a claim.

The source was written for these tests (a ferry service in the made-up Kessel Bay). Expected
values are counted by hand from its four sentences: a claim's content words are its words less
stopwords ("the", "will", "said", "may" ...) and light words ("new", "take" ...), matched by
folded form or light stem ("repairs" ~ "Repairs", "costing" ~ "cost"). No embeddings are used:
``align`` takes the cosines as an argument."""

from __future__ import annotations

import pytest

from harness.checkers.faithfulness.support import (align, build_source, candidates, content_tokens,
                                                   context_support, doc_support, word_forms)

TOWN = ("The Kessel Bay ferry will stop running on Friday. "
        "Harbour master Ilka Moreau said the pier needs repairs costing 2.4 million crowns. "
        "Repairs should take eleven weeks, the council said. "
        "A replacement bus will carry 60 passengers a day to Dunmore.")
SENTENCES = [s + "." for s in TOWN[:-1].split(". ")]


@pytest.fixture(scope="module")
def src():
    return build_source(TOWN)


def test_content_tokens_drop_stopwords_light_words_and_single_characters():
    assert [t.norm for t in content_tokens("The mayor said the new bridge will open in May, a B road.")] == [
        "mayor", "bridge", "open", "road"]  # "new" is light, "may" a stopword, "B" one character


def test_build_source_indexes_sentences_and_numbers(src):
    assert list(src.sentences) == SENTENCES
    assert [src.sentence(i) for i in range(4)] == SENTENCES
    # 2.4 million read both scaled and as written; "eleven" as a word; nothing in sentence 0
    assert src.numbers == {2.4, 2_400_000.0, 11.0, 60.0}
    assert src.sent_numbers == [frozenset(), {2.4, 2_400_000.0}, {11.0}, {60.0}]
    assert build_source("").spans == [] and build_source("   ").spans == []


def test_sentences_with_a_word_in_any_of_its_forms(src):
    repairs, dunmore, pier = content_tokens("repair Dunmore piers")
    assert src.sentences_with(repairs) == [1, 2]  # "repairs" and "Repairs"
    assert src.sentences_with(dunmore) == [3]
    assert src.sentences_with(pier) == [1]  # the plural matches the singular
    assert src.sentences_with(content_tokens("Veldhaven")[0]) == []


def test_word_forms_match_plural_and_singular():
    assert word_forms("repairs") & word_forms("repair")
    assert "repairs" in word_forms("Repairs")  # folded
    assert not word_forms("pier") & word_forms("ferry")


def test_doc_support_is_the_share_of_content_words_found():
    src = build_source(TOWN)
    assert doc_support("The pier needs repairs.", src) == 1.0
    # repairs, pier, paid, Veld, Trust: only the first two are in the source
    assert doc_support("Repairs to the pier are paid by the Veld Trust.", src) == pytest.approx(2 / 5)
    assert doc_support("It was what it was.", src) == 1.0  # no content word: nothing unsupported


def test_candidates_rank_sentences_by_shared_words_earlier_first_on_ties(src):
    # pier, needs, repairs: all three in sentence 1, "repairs" alone in sentence 2
    assert candidates("The pier needs repairs.", src, k=2) == [1, 2]
    assert candidates("The pier needs repairs.", src) == [1, 2, 0, 3]  # 0 and 3 tie at zero
    assert candidates("Passengers take the bus.", src, k=1) == [3]


def test_align_to_one_sentence(src):
    claim = "The pier needs repairs."
    a = align(claim, src)
    assert a.best == (1,) and a.n_content == 3
    assert a.lex_window == 1.0 and a.lex_doc == 1.0 and a.novel == ()
    assert a.novel_bigrams == 0.0  # "the pier", "pier needs", "needs repairs" are all in sentence 1
    assert a.cos == 0.0


def test_align_grows_a_window_to_cover_the_claim(src):
    """pier, repairs, eleven, weeks, cost, 2.4, million, crowns: six in sentence 1, eleven and
    weeks only in sentence 2 (take is light)."""
    claim = "The pier repairs will take eleven weeks and cost 2.4 million crowns."
    wide = align(claim, src, window=3)
    assert wide.best == (1, 2) and wide.lex_window == 1.0 and wide.n_content == 8
    narrow = align(claim, src, window=1)
    assert narrow.best == (1,) and narrow.lex_window == pytest.approx(6 / 8) and narrow.lex_doc == 1.0


def test_align_reports_words_found_nowhere(src):
    claim = "Repairs to the pier are paid by the Veld Trust."
    a = align(claim, src)
    assert [claim[s:e] for s, e in a.novel] == ["paid", "Veld", "Trust"]
    assert a.lex_doc == pytest.approx(2 / 5) and a.novel_bigrams > 0.0


def test_align_adds_the_cosines_it_is_given(src):
    """Sentence 2 scores 1/3 on words + 0.9 cosine, above sentence 1's 3/3 on words alone;
    sentence 1 then adds pier and needs."""
    a = align("The pier needs repairs.", src, cos={2: 0.9, 1: 0.1})
    assert a.best == (2, 1) and a.cos == 0.9


def test_align_to_an_empty_source_supports_nothing():
    claim = "The pier needs repairs."
    a = align(claim, build_source(""))
    assert a.best == () and a.lex_window == 0.0 and a.lex_doc == 0.0 and a.novel_bigrams == 1.0
    assert [claim[s:e] for s, e in a.novel] == ["pier", "needs", "repairs"]


def test_context_support_looks_only_near_the_anchor_sentences(src):
    """Ilka Moreau is named in sentence 1; bus, carry and passengers are only in sentence 3."""
    name = word_forms("Ilka Moreau")
    assert context_support("Ilka Moreau said the pier needs repairs.", src, [1], name, near=0) == 1.0
    bus = "Ilka Moreau said the bus will carry passengers."
    assert context_support(bus, src, [1], name, near=0) == 0.0
    assert context_support(bus, src, [1], name, near=1) == 0.0  # sentences 0 to 2
    assert context_support(bus, src, [1], name, near=2) == 1.0  # sentence 3 is now in reach
    assert context_support(bus, src, [], name) == 1.0  # no anchor: nothing to check
    assert context_support("Ilka Moreau said so.", src, [1], name) == 1.0  # only excluded words
