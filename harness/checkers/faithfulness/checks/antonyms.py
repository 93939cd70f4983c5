"""Claim check: a predicate turned into its opposite ("profit fell" where the article has it
rising, "approved" where it was rejected, "higher fares" where they are lower).

A verb or adjective of the claim whose lemma the aligned evidence lacks, where the evidence has
one of its WordNet antonyms (:func:`harness.resources.antonyms`) said of the same things: where
both words have a subject (for an adjective, the noun it describes or is said of), they share
it, and where both verbs have objects, they share one. So "City won" against "United lost to
City" (a converse, not a contradiction) is left alone. A negated word on exactly one side ("did
not fall" for "rose") agrees with the article, and a claim that says both words ("the best and
worst countries") contradicts nothing.

On the 5,753 dev and other-domain summaries of the meta-evaluation the check fired on 113, every
one labelled unfaithful by people (most in SummEdits, whose edits often swap a word for its
opposite)."""

from __future__ import annotations

from typing import Any

from ....resources import antonyms, lemma
from ....text import fold, stem
from ..findings import ClaimInput, Finding

_POS = {"VERB": "v", "ADJ": "a"}
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})


def _negated(tok: Any) -> bool:
    return any(k.dep_ == "neg" for k in tok.children) or any(k.dep_ == "neg" for k in tok.head.children
                                                             if tok.dep_ in ("acomp", "xcomp"))


def _noun(tok: Any) -> set[str]:
    """Stems of a noun and of the nouns compounded with it ("sales tax")."""
    return {stem(fold(k.text)) for k in (tok, *tok.children) if k.pos_ in ("NOUN", "PROPN")
            and (k is tok or k.dep_ == "compound") and k.is_alpha}


def _subject(tok: Any) -> set[str]:
    """What a verb or adjective is said of: a verb's subject (the noun a participle or relative
    clause hangs on), the noun an adjective describes or the subject it is predicated of."""
    if tok.dep_ == "amod" or tok.dep_ in ("acl", "relcl"):
        heads = [tok.head]
    elif tok.pos_ == "ADJ":
        heads = [k for k in tok.head.children if k.dep_ in _SUBJECT_DEPS] if tok.dep_ in ("acomp", "oprd") else []
    else:
        heads = [k for k in tok.children if k.dep_ in _SUBJECT_DEPS]
    return set().union(*(_noun(h) for h in heads if h.pos_ in ("NOUN", "PROPN")))


def _objects(tok: Any) -> set[str]:
    """Stems of the nouns in a verb's objects (direct, prepositional, a passive's agent)."""
    heads = [k for k in tok.children if k.dep_ in ("dobj", "attr", "dative")]
    heads += [g for k in tok.children if k.dep_ in ("prep", "agent") for g in k.children if g.dep_ == "pobj"]
    return {stem(fold(k.text)) for h in heads for k in h.subtree if k.pos_ in ("NOUN", "PROPN") and k.is_alpha}


def _about_the_same(t: Any, u: Any) -> bool:
    """Whether two words are said of the same things: where both name a subject, they share it;
    where both verbs have objects, they share one; and at least one of the two is compared."""
    pairs = [(_subject(t), _subject(u))]
    if t.pos_ == "VERB":
        pairs.append((_objects(t), _objects(u)))
    compared = False
    for mine, theirs in pairs:
        if mine and theirs:
            if not mine & theirs:
                return False
            compared = True
    return compared


def check(ci: ClaimInput) -> list[Finding]:
    """A ``negation`` finding per claim word whose opposite the evidence says of the same things."""
    evidence = [u for u in ci.evidence.tokens if u.pos_ in _POS and u.is_alpha]
    if not evidence:
        return []
    have = {lemma(u).lower() for u in ci.evidence.tokens}
    said = {lemma(t).lower() for t in ci.tokens}
    found = []
    for t in ci.tokens:
        if t.pos_ not in _POS or not t.is_alpha:
            continue
        word = lemma(t).lower()
        if word in have:
            continue
        opposite = antonyms(word, _POS[t.pos_]) - said  # "the best and worst countries" says both
        for u in evidence:
            if (u.pos_ == t.pos_ and lemma(u).lower() in opposite and _negated(u) == _negated(t)
                    and _about_the_same(t, u)):
                found.append(Finding(t.idx, t.idx + len(t.text), "negation",
                                     f"opposite: the article says {u.text!r} here, not {t.text!r}",
                                     evidence=u.doc.text))
                break
    return found
