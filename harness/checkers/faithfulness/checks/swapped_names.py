"""Claim check: a name the article states, put where the article names someone else.

The words around the name in the claim (its local context, as for values:
:func:`harness.checkers.context.local_context`) are carried by an evidence sentence that names
another name of the same entity label in that place and not this one, and no sentence of the
article carries them with this name ("left out of Mayor Piet Hanlon's first draft" where the
draft was Mayor Ruth Calloway's). "In that place": the other name's own local context holds the
words, or, where an apposition or a clause pushes them out of reach, both names hang on the same
word by the same relation in the parse ("takeover of"), a word the article uses only once (a
common one such as "said" marks no place). The analogue for names of the misplaced values of
:mod:`.values`. Only names the entity recogniser finds in the claim are checked (not a lone
title such as "Mayor")."""

from __future__ import annotations

import re
from typing import Any

from ....text import abbreviation_keys
from ...context import CONTEXT_SHARE, carries_context, local_context
from ..entities import NAME_LABELS, missing_words, name_groups, name_words
from ..findings import ClaimInput, Finding

_POSSESSIVE = frozenset({"'s", "\u2019s", "'", "\u2019"})
"""Tokens the entity recogniser may keep at the end of a name ("Ruth Calloway's")."""


def _entities(sentence: str, label: str) -> list[Any]:
    """The names of ``label`` in ``sentence``, by the entity recogniser (run only on the few
    sentences a check gets this far with; memoised)."""
    from ....resources import parse

    ents = [[t for t in e if t.text not in _POSSESSIVE] for e in parse([sentence], memo=True)[0].ents
            if e.label_ == label]
    return [e for e in ents if e]


def _names(sentence: str) -> frozenset[str]:
    """Every form a name of ``sentence`` may take (words, stems, abbreviations: "EU" for
    "European Union"), as the names check reads the whole article."""
    return name_words([sentence]) | abbreviation_keys(sentence)


def _absent(group: list[Any], names: frozenset[str]) -> bool:
    """Whether a word of the name ``group`` has no form among ``names`` (a word in capitals
    counts as its abbreviation too: "EU")."""
    return any(not (abbreviation_keys(w) & names) for w in missing_words(group, names))


def _in_place(ctx: frozenset[str], sentence: str, run: list[Any]) -> bool:
    """Whether the name ``run`` of ``sentence`` stands where the claim's name stands: its own
    local context holds :data:`CONTEXT_SHARE` of ``ctx``, and two words at least."""
    start = run[0].idx
    theirs = local_context(sentence, start, run[-1].idx + len(run[-1].text))
    shared = len(ctx & theirs)
    return shared >= 2 and shared >= CONTEXT_SHARE * len(ctx)


def _slot(run: list[Any]) -> tuple[Any, str] | None:
    """Where a name stands in its sentence's parse: the word it hangs on and the relation,
    through a preposition (the token "purchase" and "of>pobj" for "the purchase of Greenfork");
    None for a name at the root."""
    inside = {t.i for t in run}
    root = next((t for t in run if t.head.i not in inside), None)
    if root is None or root.head.i == root.i:
        return None
    rel, head = root.dep_, root.head
    if head.dep_ == "prep" and head.head.i != head.i:
        rel, head = f"{head.lower_}>{rel}", head.head
    return head, rel


def _once(word: str, text: str) -> bool:
    """Whether ``word`` occurs exactly once in ``text`` as a whole word (any case)."""
    return len(re.findall(rf"(?<!\w){re.escape(word)}(?!\w)", text, flags=re.IGNORECASE)) == 1


def _same_slot(mine: tuple[Any, str], run: list[Any]) -> bool:
    """Whether the name ``run`` hangs on a word of the same lemma as ``mine`` by the same relation."""
    from ....resources import lemma

    theirs = _slot(run)
    return theirs is not None and theirs[1] == mine[1] and lemma(theirs[0]).lower() == lemma(mine[0]).lower()


def check(ci: ClaimInput) -> list[Finding]:
    """An ``entity`` finding per name placed where the article has another."""
    c = ci.claim
    claim_words = name_words([c.text])
    found = []
    for group, label in name_groups(list(ci.tokens), list(ci.ents)):
        if label not in NAME_LABELS or missing_words(group, ci.source.stems | ci.gold_names):
            continue  # a name the article lacks: the names check reports it
        start, end = group[0].idx, group[-1].idx + len(group[-1].text)
        ctx = local_context(c.text, start - c.start, end - c.start)
        about = [s for s in ci.evidence.sentences if carries_context(ctx, s)]
        if not about or any(not _absent(group, _names(s)) for s in about):
            continue
        # the same slot marks the same place only when the article has its head word once
        mine = _slot(group)
        anchored = mine is not None and _once(mine[0].lower_, ci.source.text)
        others = [run for s in about for run in _entities(s, label) if missing_words(run, claim_words)
                  and (_in_place(ctx, s, run) or (anchored and _same_slot(mine, run)))]
        if not others or any(carries_context(ctx, s) and not _absent(group, _names(s))
                             for s in ci.source.sentences):
            continue
        other = " ".join(t.text for t in others[0])
        mine = c.text[start - c.start:end - c.start]
        found.append(Finding(start, end, "entity", f"the article names {other!r} here, not {mine!r}",
                             evidence=others[0][0].doc.text))
    return found
