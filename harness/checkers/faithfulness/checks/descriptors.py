"""Claim check: a name given a description the article gives someone else.

A name in a news text often carries what it is: "Goalkeeper Tomasz Wierzbicki", "outgoing mayor
Lucia Ferrante", "Elin Dragulescu, the chief executive". These descriptions are read from the
dependency parse (nouns and adjectives in the name's compounds, modifiers and appositions, on
either side). When the claim describes a name of the article ("Goalkeeper Kofi Asante") with words
the article attaches to exactly one other name ("Goalkeeper Tomasz Wierzbicki"), and no article
sentence holds both the name and those words, the name is in a role the article gives another.
Nothing is checked when the article attaches the description to no name (a coreference the parse
cannot follow), or to several (a class such as "midfielder", not a role)."""

from __future__ import annotations

import re
from typing import Any, Iterable

from ....memo import Memo
from ....text import STOPWORDS
from ..entities import NAME_LABELS, missing_words, name_words
from ..findings import ClaimInput, Finding
from ..roles import TITLES as ADDRESS
from ..support import word_forms

_TITLES = ADDRESS | {"miss", "st"}
"""Forms of address (those of :mod:`..roles`, "Miss" and "St" too): they say nothing of a role."""
_DESCRIBING = ("compound", "amod", "appos", "nmod")
"""Dependencies by which a word describes the noun it hangs on."""


def _describes(tok: Any, in_entity: set[int]) -> bool:
    """Whether ``tok`` can be part of a description: a common noun or adjective, or a capitalised
    title outside every named entity ("Mayor" in "Mayor Paul Strand")."""
    if not tok.is_alpha or tok.lower_ in STOPWORDS or tok.lower_ in _TITLES:
        return False
    return tok.pos_ in ("NOUN", "ADJ") or (tok.pos_ == "PROPN" and tok.i not in in_entity)


def _description(head: Any, name: set[int], in_entity: set[int]) -> set[Any]:
    """The tokens that describe the name whose tokens are ``name`` (``head`` its syntactic head)."""
    out: set[Any] = set()

    def grow(tok: Any) -> None:
        for k in tok.children:
            if k.i not in name and k.dep_ in _DESCRIBING + ("conj",) and _describes(k, in_entity):
                if k.dep_ == "conj" and tok.i in name:
                    continue  # "Kerr and substitute Brannigan": Brannigan's, not Kerr's
                out.add(k)
                grow(k)

    for i in sorted(name):
        grow(head.doc[i])  # "Goalkeeper" in "Goalkeeper Tomasz Wierzbicki", which the NER may include
    if head.dep_ == "appos" and _describes(head.head, in_entity):  # "the chief executive, Elin Dragulescu"
        out.add(head.head)
        grow(head.head)
    return out


def _split(ent: Any, lower: frozenset[str]) -> tuple[list[Any], list[Any]]:
    """The name tokens of an entity and the title words it begins with: leading capitalised words
    the article also writes in lower case ("Treasurer" of "Treasurer Lena Voss" where the article
    has "treasurer"), as long as two name words remain."""
    name = [t for t in ent if t.pos_ == "PROPN"]
    k = 0
    while len(name) - k > 2 and name[k].lower_ in lower and name[k].i == ent.start + k:
        k += 1
    return name[k:], name[:k]


def described_names(doc: Any, lower: frozenset[str]) -> list[tuple[Any, frozenset[str]]]:
    """Every named entity of ``doc`` with the word forms of the words that describe it (``lower``:
    the words the article writes in lower case, see :func:`_split`)."""
    in_entity = {t.i for e in doc.ents for t in e}
    out = []
    for ent in doc.ents:
        name, titles = _split(ent, lower)
        if ent.label_ in NAME_LABELS and name:
            words = _description(ent.root, {t.i for t in name}, in_entity) | set(titles)
            out.append((ent, frozenset(f for t in words for f in word_forms(t.text))))
    return out


_LOWER = Memo(share=0.002)


def _lower_words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\b[a-z]+\b", text))


def _same(a: Iterable[Any], b: Iterable[Any]) -> bool:
    """Whether two names are one: every word of the shorter is a word of the other ("Albrecht",
    "Denise Albrecht")."""
    wa = [t for t in a if t.pos_ == "PROPN"]
    wb = [t for t in b if t.pos_ == "PROPN"]
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    return bool(short) and not missing_words(short, name_words(t.text for t in long_))


def check(ci: ClaimInput) -> list[Finding]:
    """An ``entity`` finding per name of the article described as the article describes one other."""
    from ....resources import parse

    if not ci.ents:
        return []
    doc = ci.tokens[0].doc
    in_entity = {t.i for e in doc.ents for t in e}
    lower = _LOWER.get(ci.source.text, _lower_words)
    found = []
    for ent in ci.ents:
        if ent.label_ not in NAME_LABELS:
            continue
        name, titles = _split(ent, lower)
        if not name or missing_words(name, ci.source.stems | ci.gold_names):
            continue  # a name the article lacks: the names check reports it
        words = sorted(_description(ent.root, {t.i for t in name}, in_entity) | set(titles), key=lambda t: t.i)
        if not words:
            continue
        keys = [frozenset(word_forms(t.text)) for t in words]
        name_forms = [frozenset(word_forms(t.text)) for t in name]
        wanted = [i for i, st in enumerate(ci.source.sent_stems) if all(k & st for k in keys)]
        if any(all(f & ci.source.sent_stems[i] for f in name_forms) for i in wanted):
            continue  # some sentence states the name with the description
        holders = []
        for sdoc in parse([ci.source.sentence(i) for i in wanted], memo=True):
            for other, forms in described_names(sdoc, lower):
                if all(k & forms for k in keys) and not any(_same(other, h) for h in holders):
                    holders.append(other)
        if len(holders) != 1 or _same(holders[0], name):
            continue
        start, end = name[0].idx, name[-1].idx + len(name[-1].text)
        desc = " ".join(t.text for t in words)
        found.append(Finding(start, end, "entity",
                             f"the article calls {holders[0].text!r} {desc!r}, not {doc.text[start:end]!r}",
                             evidence=holders[0].doc.text))
    return found
