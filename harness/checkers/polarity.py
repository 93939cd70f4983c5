"""Negation and modality: a claim that flips the polarity or the certainty of what its
supporting source sentence says ("will withdraw" vs "have withdrawn", "did" vs "did not").

Works on spaCy parses: for each verb of the claim that also occurs (same lemma) in the
supporting sentences, compare whether it is negated, and whether it is stated as done
(past / perfect) where every source occurrence is only planned, possible or required
(will, may, must, plan to ...); a verb the source does not use is compared through its object
("has launched a trial" where the source "plans a trial"). :func:`unasserted` says whether words
of a text are asserted at all, or negated or left open by a word outside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from ..resources import lemma

_NEG_WORDS = frozenset({"not", "n't", "never", "no", "nobody", "nothing", "none", "neither", "nor", "without"})
_MODALS = frozenset({"will", "would", "may", "might", "could", "should", "must", "shall", "can", "'ll", "wo", "ca"})
_INTENT = frozenset({"plan", "intend", "expect", "want", "hope", "aim", "propose", "threaten", "seek", "try",
                     "promise", "vow", "pledge", "consider", "prepare", "set", "announce",
                     "need", "have", "going", "likely", "able"})
"""Heads whose "to ..." is only planned, possible or required. "decide" and "agree" are not among
them: what was decided or agreed to is stated as settled, and a summary that says it was done
carries it ("agreed to delay the upgrade": "delayed the upgrade"; REALSumm dev: people marked
10 of 18 "decided to ..." facts covered by a summary saying it was done)."""


_INTENDING = frozenset({"plan", "intend", "propose", "prepare", "promise", "pledge", "threaten", "consider",
                        "seek", "expect", "schedule"})
"""Verbs whose object is only intended or expected ("plans a follow-up trial"): :data:`_INTENT`
without the verbs whose object is had or done ("have", "need", "set", "announce")."""

_SETTLED_NOUNS = frozenset({"decision", "agreement"})
"""Nouns whose "to ..." is settled, as "decided to" and "agreed to" are (see :data:`_INTENT`)."""

_NOT_DONE = frozenset({"fail", "refuse", "decline", "neglect", "forget", "omit", "unable"})
"""Heads that deny the verb they govern: "failed to get" says it was not got ("did not get")."""


def _inflected(words: Iterable[str]) -> set[str]:
    """Each verb of ``words`` with the regular endings added (-s, -ed, -d, -ing)."""
    return {f for w in words for f in (w, w + "s", w + "ed", w + "d", w + "ing")}


_NOT_DONE_FORMS = frozenset(_inflected(_NOT_DONE - {"unable"}) | {"forgot", "forgotten", "omitted", "omitting", "unable"})

_WORD = re.compile(r"[a-z']+")
_PLANNED = re.compile(r"\b(?:%s)\b|\b(?:%s)\s+to\b" % (
    "|".join(sorted(_MODALS - {"'ll", "wo", "ca"})) + "|'ll|won't|can't",
    "|".join(sorted(_inflected(_INTENT) | {"has", "had", "having"}))))


def could_flip(source: str, claim: str) -> bool:
    """Whether :func:`flips` could find anything between ``claim`` and ``source``, read from
    their words alone (to skip parsing): a flip needs a negation on either side ("not",
    "failed to" ...), or a source that only says something will, may or is meant to happen (a
    modal, "plans to" ...)."""
    src, clm = set(_WORD.findall(source.lower())), set(_WORD.findall(claim.lower()))
    if (src | clm) & (_NEG_WORDS | _NOT_DONE_FORMS) or any(w.endswith("n't") for w in src | clm):
        return True
    return _PLANNED.search(source.lower()) is not None


@dataclass(frozen=True)
class Predicate:
    """A verb with its polarity and mode."""

    lemma: str
    negated: bool
    mode: str
    """``done`` (past/perfect), ``irrealis`` (future, modal, intended) or ``plain``."""
    start: int
    end: int
    args: frozenset[str] = frozenset()
    """Lemmas of its subject/object/complement heads (what it is about)."""
    marker: str = ""
    """What makes it ``irrealis``: the modal ("will") or the intent verb's lemma ("plan")."""
    objects: frozenset[str] = frozenset()
    """Lemmas of the nouns it acts on: direct object, passive subject, prepositional objects; not
    an amount ("200 million dollars": the value check reads amounts)."""

    @property
    def planned(self) -> bool:
        """Whether it only says something will, may or is meant to happen: a modal or intent
        ("will open", "plans to open"), or a verb of intending itself ("plans a trial")."""
        return self.mode == "irrealis" or self.lemma in _INTENDING


def predicates(toks: Iterable[Any]) -> list[Predicate]:
    """Verbs among spaCy tokens ``toks`` with their polarity and mode (offsets: token.idx)."""
    out = []
    for t in toks:
        if t.pos_ not in ("VERB", "AUX") or t.dep_ in ("aux", "auxpass"):
            continue
        if t.pos_ == "AUX" and t.dep_ != "ROOT":
            continue
        kids = list(t.children)
        neg = any(k.dep_ == "neg" or k.lower_ in _NEG_WORDS for k in kids)
        neg = neg or any(k.dep_ in ("dobj", "attr") and any(d.lower_ in ("no", "none") and d.dep_ == "det"
                                                              for d in k.children) for k in kids)
        args = set()
        for k in kids:
            if k.dep_ in ("nsubj", "nsubjpass", "dobj", "attr", "xcomp", "ccomp", "oprd", "acomp"):
                args.add(lemma(k).lower())
            elif k.dep_ == "prep":
                args.update(lemma(g).lower() for g in k.children if g.dep_ == "pobj")
        nouns = [o for o in kids if o.dep_ in ("dobj", "nsubjpass")]
        nouns += [g for k in kids if k.dep_ == "prep" for g in k.children if g.dep_ == "pobj"]
        objects = frozenset(w for w in (lemma(o).lower() for o in nouns if o.pos_ == "NOUN"
                                        and not any(k.dep_ == "nummod" for k in o.children))
                            if w.isalpha() and len(w) > 2)
        aux = [k.lower_ for k in kids if k.dep_ in ("aux", "auxpass")]
        modal = next((a for a in aux if a in _MODALS), "")
        intent = lemma(t.head) if t.dep_ == "xcomp" and lemma(t.head) in _INTENT else ""
        if (not intent and t.dep_ == "acl" and t.head.pos_ == "NOUN" and lemma(t.head) not in _SETTLED_NOUNS
                and any(k.dep_ == "aux" and k.lower_ == "to" for k in kids)):
            intent = lemma(t.head)  # "their intention to withdraw", "plans to build": not done
        if modal or intent:
            mode = "irrealis"
        elif t.tag_ == "VBD" or (t.tag_ == "VBN" and any(a in ("has", "have", "had", "'ve", "'s") for a in aux)):
            mode = "done"
        else:
            mode = "plain"
        head = t.head
        if t.dep_ == "xcomp" and lemma(head).lower() in _NOT_DONE:  # "did not fail to get": got
            neg = neg != (not any(k.dep_ == "neg" for k in head.children))
        elif t.dep_ == "xcomp" and any(k.dep_ == "neg" for k in head.children):
            neg = True
        out.append(Predicate(lemma(t).lower(), neg, mode, t.idx, t.idx + len(t.text),
                             frozenset(a for a in args if a.isalpha() and len(a) > 2), modal or intent, objects))
    return out


@dataclass(frozen=True)
class PolarityFlip:
    """A claim verb whose polarity or mode disagrees with every source occurrence."""

    start: int
    end: int
    what: str
    """``negation`` or ``modality``."""
    detail: str


_LIGHT_VERBS = frozenset({"be", "have", "do", "say"})
"""Verbs too general to compare by polarity or mode."""


def flips(claim_preds: list[Predicate], source_preds: list[Predicate]) -> list[PolarityFlip]:
    """Disagreements between claim predicates and the supporting sentences' predicates: the same
    verb negated on one side only, or stated as done where the source only has it planned; and a
    verb the source does not use, stated as done, whose object the source only ever has planned
    or possible ("has launched a trial" where the source "plans a trial"; "has opened a
    consultation" where a restriction "would require a consultation")."""
    out = []
    for p in claim_preds:
        same = [q for q in source_preds if q.lemma == p.lemma and (not p.args or not q.args or p.args & q.args)]
        if not same and p.mode == "done" and not p.negated and p.lemma not in _LIGHT_VERBS:
            about = [q for q in source_preds if q.objects & p.objects]
            if about and all(q.planned and not q.negated for q in about):
                what = ", ".join(sorted(p.objects & frozenset().union(*(q.objects for q in about))))
                out.append(PolarityFlip(p.start, p.end, "modality", f"'{p.lemma}' states as done what the source "
                                        f"only has planned or possible ({what}: '{about[0].lemma}')"))
            continue
        if not same or p.lemma in _LIGHT_VERBS:
            continue
        if all(q.negated != p.negated for q in same):
            word = "negated" if p.negated else "affirmed"
            out.append(PolarityFlip(p.start, p.end, "negation",
                                    f"'{p.lemma}' is {word} in the claim but not in the source"))
        elif p.mode == "done" and all(q.mode == "irrealis" for q in same):
            out.append(PolarityFlip(p.start, p.end, "modality",
                                    f"'{p.lemma}' is stated as done; the source only says it will/may happen"))
    return out


_OPEN_MARKS = frozenset({"whether", "if", "unless"})
"""Subordinators that leave their clause open: it is asked or supposed, not stated."""
_NOBODY = frozenset({"no", "nobody", "none", "nothing", "neither", "never"})
"""Determiners and pronouns that negate the clause of the word they belong to ("no candidate won")."""
_OWN_CLAUSE = frozenset({"advcl", "relcl", "acl", "conj", "parataxis", "csubj", "appos"})
"""Clauses a negation of the word they hang from does not reach ("did not stop when it won": it
won); a complement does inherit it ("did not say that it won")."""


def unasserted(doc: Any, start: int, end: int) -> str:
    """Why the words of spaCy ``doc`` at characters ``start:end`` are not asserted, or "" when
    they are: a word outside them that negates a verb they hang from, within their clause or
    through a complement ("no candidate won", "did not say that ... won"), or that opens the
    clause they are in ("whether it is declared", "if it wins"). Words inside the span count for
    nothing here, so a span that holds its own negation ("has not approved") is asserted as
    written."""
    inside = {t.i for t in doc if start <= t.idx < end}
    if not inside:
        return ""
    seen: set[int] = set()
    for t in (doc[i] for i in sorted(inside)):
        node = t
        while node.i not in seen:
            seen.add(node.i)
            for k in node.children:
                if k.i in inside:
                    continue
                if k.dep_ == "neg" or (k.dep_ in ("nsubj", "nsubjpass", "advmod") and k.lower_ in _NOBODY) or (
                        k.dep_ == "det" and k.lower_ in _NOBODY and node.dep_ in ("nsubj", "nsubjpass", "dobj")):
                    return f"negated by {k.text!r}"
                if k.dep_ in ("nsubj", "nsubjpass", "dobj") and any(
                        d.dep_ == "det" and d.lower_ in _NOBODY for d in k.children):
                    return f"negated by {next(d.text for d in k.children if d.dep_ == 'det')!r}"
                if k.dep_ == "mark" and k.lower_ in _OPEN_MARKS:
                    return f"in a clause opened by {k.text!r}"
            if node.head is node or node.dep_ in _OWN_CLAUSE:
                break
            node = node.head
    return ""
