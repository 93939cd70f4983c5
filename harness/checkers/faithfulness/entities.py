"""Entities: names in a claim that the source never states.

Names come from spaCy's NER on the summary (people, organisations, places, nationalities,
events, works, laws, products) and from proper nouns the NER missed. A name is supported
when every word of it occurs in the source (folded and stemmed, dots and hyphens ignored),
so partial names ("Peacock" for "John Peacock") and re-cased text pass (an added first
name does not: "James Tremlett" for "Chris Tremlett" is a classic error); in all-lower-case text
proper nouns are taken as the tagger finds them; ``extra_names``
(the gold annotation's own names) count as source words too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ...text import STOPWORDS, abbreviation_key, tokens

NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "WORK_OF_ART",
                         "LAW", "PRODUCT", "LANGUAGE"})
_SKIP = frozenset({"the", "mr", "mrs", "ms", "dr", "st", "unk"})
"""Words of a name that need no support: articles, titles, and the "UNK" of a model's unknown token."""


@dataclass(frozen=True)
class NameSpan:
    """A name in the claim (claim-relative offsets) the source does not support."""

    start: int
    end: int
    text: str
    label: str
    missing: tuple[str, ...]
    """Its words the source lacks."""


def _forms(word: str) -> set[str]:
    key = abbreviation_key(word)
    if key is not None:  # "U.S.": the source must have "U.S.", "US" or "United States"
        return {key}
    toks = tokens(word)
    out: set[str] = set()
    for t in toks:
        out |= {t.stem, t.norm, t.norm.replace(".", "").replace("-", "")}
    return out


def name_groups(doc_tokens: Iterable[Any], ents: Iterable[Any] | None = None) -> list[tuple[list[Any], str]]:
    """Names among spaCy tokens (one claim's): NER entities of the name labels, then runs of
    capitalised proper nouns the NER missed; each as (tokens, label). ``ents``: the doc's
    entities that may lie within the tokens (default: all of the doc's)."""
    toks = list(doc_tokens)
    if not toks:
        return []
    covered: set[int] = set()
    groups: list[tuple[list[Any], str]] = []
    idx = {t.i for t in toks}
    lowercased = not any(ch.isupper() for t in toks[1:] for ch in t.text)
    for ent in (toks[0].doc.ents if ents is None else ents):
        if ent.label_ in NAME_LABELS and ent.start in idx and (ent.end - 1) in idx:
            groups.extend((part, ent.label_) for part in _name_parts(list(ent), lowercased))
            covered.update(t.i for t in ent)
    run: list[Any] = []
    for t in toks + [None]:
        if t is not None and t.i not in covered and t.pos_ == "PROPN" and (t.text[:1].isupper() or lowercased):
            run.append(t)
            continue
        if run:
            groups.append((run, "PROPN"))
            run = []
    return groups


def _name_parts(ent: list[Any], lowercased: bool) -> list[list[Any]]:
    """An entity's tokens split at the verbs the recogniser took into it ("Kofi Asante put
    Millbrook" is two names around "put"): in cased text a lower-case verb is never part of a name."""
    if lowercased:
        return [ent]
    parts: list[list[Any]] = [[]]
    for t in ent:
        if t.pos_ in ("VERB", "AUX") and t.text[:1].islower():
            parts.append([])
        else:
            parts[-1].append(t)
    return [p for p in parts if p]


def missing_words(group: list[Any], known: frozenset[str] | set[str]) -> list[str]:
    """Words of a name group (stopwords and titles aside) with no form in ``known``."""
    missing = []
    for t in group:
        norm = t.text.lower()
        if norm in STOPWORDS or norm in _SKIP or not any(c.isalnum() for c in norm) or norm[:1] in "'’":
            continue
        forms = _forms(t.text)
        if forms and not (forms & known):
            missing.append(t.text)
    return missing


def novel_names(doc_tokens: Iterable[Any], offset: int, claim_text: str, source_stems: frozenset[str],
                extra: frozenset[str] = frozenset(), ents: Iterable[Any] | None = None) -> list[NameSpan]:
    """Names among spaCy ``doc_tokens`` (one claim's tokens; ``offset`` = the claim's start in
    the parsed text) with a word the source lacks; ``ents`` as for :func:`name_groups`."""
    known = source_stems | extra
    found: list[NameSpan] = []
    for group, label in name_groups(doc_tokens, ents):
        missing = missing_words(group, known)
        if missing:
            s = group[0].idx - offset
            e = group[-1].idx + len(group[-1].text) - offset
            if 0 <= s < e <= len(claim_text):
                found.append(NameSpan(s, e, claim_text[s:e], label, tuple(missing)))
    found.sort(key=lambda n: n.start)
    return found


def name_words(names: Iterable[str]) -> frozenset[str]:
    """Stems and folded forms of every word of ``names`` (to extend a source's vocabulary)."""
    out: set[str] = set()
    for n in names:
        out |= _forms(n)
    return frozenset(out)
