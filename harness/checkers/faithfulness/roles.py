"""Roles: who did what to whom. A claim whose words all occur in the article can still be wrong
when they occur in other roles: a wrong or extra actor ("Ukraine and Poland announced" where
Poland did), a swap of doer and done-to ("the Cup won Ashford Rovers"), or the doer of one
statement joined to the object of another.

From spaCy's dependency parse, each verb (and each noun that names the same act: "withdrawal"
for "withdraw") becomes a :class:`Frame`: its predicate key, its agents (the subject, the "by"
agent of a passive, the subject it inherits from a governing verb: "plan to withdraw"; the
possessor of a noun: "Lithuania's withdrawal"; the noun a present participle describes: "Halvik
Steel, supplying the girders"; the name before "with ... -ing": "with McCormack giving them the
lead") and its objects (direct object, passive subject, the noun a past participle describes:
"crews led by Halvik Steel"; prepositional objects), each conjunct ("Estonia, Latvia and Poland")
a participant of its own. A relative pronoun is the noun its clause hangs on ("Varga, who beat
Renk": Varga beat).
A claim's frames are compared with the frames of the same predicate in its supporting source
sentences; nothing is checked where those sentences have no frame of that predicate (a
paraphrase); a negated claim frame ("X chose not to run") is compared only with negated source
frames, as it says nothing about who did it; and an actor is only ever questioned when the source
names every actor of it.

A doer the source frames do not give the act to is questioned only against the frames that do
the act to what the claim does it to ("Asante scored both Millbrook goals" is not set against
"Brannigan scored with his first touch"), or against all of them when the claim names no object.

Three more readings go beyond that. A claim's doer that is what a source frame does the act to (the
same head word) is a swap also where the source leaves the doer unnamed ("the lead had given
Fulham McCormack" where "he got it with McCormack giving them the lead"). A doer joined to
co-doers the source gives the act to is an extra doer when no article sentence holds it with the
predicate and what the claim does it to; a sentence that names a co-doer too is read by its
parse, when the parse puts the extra name inside that co-doer's act ("Bueno has scored 17 goals
and could move to Porto" is no goal of Porto's). And a name in apposition belongs to the
participant it names ("Liverpool goalkeeper Simon Mignolet").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ...resources import lemma as lemma_of
from ...text import STOPWORDS, fold, stem
from ..context import CONTEXT_SHARE

KEY_LETTERS = 6
"""Predicates are compared by their lemma's first letters, so that "withdraw" meets "withdrawal"."""
_AGENT_DEPS = ("nsubj",)
_OBJECT_DEPS = ("dobj", "nsubjpass", "attr", "oprd")
_PHRASE_DEPS = frozenset({"compound", "amod", "nmod", "poss", "flat", "nummod", "acl", "dobj", "pobj", "prep",
                          "npadvmod", "appos"})
TITLES = frozenset({"mr", "mrs", "ms", "dr", "sir", "dame", "lord", "lady"})
"""Forms of address: not part of what a participant is (shared with the descriptions check)."""
_SKIP_VERBS = frozenset({"be", "have", "do", "say", "tell", "get", "make", "take", "go", "come"})


@dataclass(frozen=True)
class Participant:
    """One conjunct of an agent or object: its content-word stems, and whether it is a name."""

    words: frozenset[str]
    named: bool
    text: str
    start: int
    end: int
    """Character offsets of its words in the parsed text."""
    head: str = ""
    """The stem of its head word ("raft" in "a raft of improvements")."""


@dataclass(frozen=True)
class Frame:
    """A predicate with its agents and objects."""

    key: str
    lemma: str
    agents: tuple[Participant, ...]
    objects: tuple[Participant, ...]
    core: tuple[Participant, ...]
    """The objects that are its direct objects (or a passive's subject), no prepositional ones."""
    scope: frozenset[str]
    """Content stems of what the predicate governs (where its objects are, whichever word the
    parser hung them on), its subject included: leaving the subject out measured worse (it
    passed two dev summaries labelled unfaithful whose extra doer the parse puts in the
    subject's phrase)."""
    negated: bool = False
    """Whether the predicate is negated ("chose not to run")."""


@dataclass(frozen=True)
class RoleError:
    """A participant of a claim frame in a role the article does not give it (claim offsets)."""

    start: int
    end: int
    text: str
    detail: str


def _key(lemma: str) -> str:
    return lemma[:KEY_LETTERS]


def _stem(tok: Any) -> str:
    return stem(fold(tok.text))


def _phrase(tok: Any, verb: Any = None) -> list[Any]:
    """The token with the modifiers that make its phrase (not its conjuncts or clauses, nor the
    ``verb`` whose participant it is: "fans" of "fans waiting outside")."""
    out = [tok]
    for k in tok.children:
        if k.dep_ in _PHRASE_DEPS and (verb is None or k.i != verb.i):
            out.extend(_phrase(k, verb))
    return out


def conjuncts(tok: Any) -> list[Any]:
    """The token and every conjunct hanging from it ("Estonia, Latvia and Poland"), in tree order."""
    out = [tok]
    for k in tok.children:
        if k.dep_ == "conj":
            out.extend(conjuncts(k))
    return out


def _participant(tok: Any, verb: Any = None) -> Participant | None:
    toks = [t for t in _phrase(tok, verb) if t.is_alpha and t.lower_ not in STOPWORDS and t.lower_ not in TITLES
            and t.pos_ in ("PROPN", "NOUN", "ADJ", "VERB", "NUM")]
    if not toks or tok.pos_ == "PRON":
        return None
    named = tok.pos_ == "PROPN"  # a name, not a description that holds one ("England midfielder")
    toks.sort(key=lambda t: t.i)
    return Participant(frozenset(_stem(t) for t in toks), named, " ".join(t.text for t in toks), toks[0].idx,
                       toks[-1].idx + len(toks[-1].text), _stem(tok))


def _participants(heads: Iterable[Any], verb: Any = None) -> tuple[Participant, ...]:
    out = []
    for h in heads:
        for c in conjuncts(h):
            p = _participant(c, verb)
            if p is not None:
                out.append(p)
    return tuple(out)


def _agent_heads(v: Any, depth: int = 0) -> list[Any]:
    """The tokens that head ``v``'s agents: its subject, a passive's "by" agent, else (for a
    verb without one, or a reported verb whose subject is a pronoun) the agents it inherits from
    the verb it depends on. A passive's "by" agent is not inherited: in "a round led by N to
    build a plant", N need not be the one who builds."""
    heads = [_referent(k) for k in v.children if k.dep_ in _AGENT_DEPS]
    if depth == 0:
        heads += [g for k in v.children if k.dep_ == "agent" for g in k.children if g.dep_ == "pobj"]
    if heads and all(h.pos_ == "PRON" for h in heads) and v.dep_ == "ccomp" and depth <= 3:
        return _agent_heads(v.head, depth + 1)  # "X announced they will ...": they are X
    if heads or depth > 3:
        return heads
    if v.pos_ == "NOUN":
        return [k for k in v.children if k.dep_ == "poss"]
    head = v.head
    if v.tag_ == "VBG":
        if v.dep_ == "acl" and head.pos_ in ("NOUN", "PROPN"):
            return [head]  # "fans waiting outside": the fans wait
        before = v.doc[v.left_edge.i - 1] if v.left_edge.i > 0 else None
        if before is not None and before.dep_ == "pobj" and before.head.lower_ in ("with", "without"):
            return [before]  # "with McCormack giving them the lead": McCormack gives it
    if v.dep_ in ("xcomp", "conj", "advcl") and head.pos_ in ("VERB", "AUX") and head.i != v.i:
        return _agent_heads(head, depth + 1)
    if v.dep_ == "acl" and any(k.dep_ == "aux" and k.lower_ == "to" for k in v.children):
        owner = [k for k in head.children if k.dep_ == "poss" and k.pos_ != "PRON"]
        if owner:
            return owner
        if head.head.i != head.i and head.head.pos_ in ("VERB", "AUX"):
            return _agent_heads(head.head, depth + 1)
    return []


def _referent(tok: Any) -> Any:
    """What a relative pronoun stands for: the noun its clause hangs on ("Kerr, who scored": Kerr);
    any other token is itself."""
    v = tok.head
    if tok.tag_ in ("WP", "WDT") and v.dep_ == "relcl" and v.head.pos_ in ("NOUN", "PROPN"):
        return v.head
    return tok


def _core_heads(v: Any) -> list[Any]:
    """The tokens that head what ``v`` does its act to: its direct object, a passive's subject
    (through a relative pronoun), the noun a past participle describes ("a striker signed by
    Fulham": the striker is signed)."""
    heads = [_referent(k) for k in v.children if k.dep_ in _OBJECT_DEPS]
    if v.tag_ == "VBN" and v.dep_ == "acl" and v.head.pos_ in ("NOUN", "PROPN"):
        heads.append(v.head)
    return heads


def _object_heads(v: Any) -> list[Any]:
    heads = _core_heads(v)
    heads += [g for k in v.children if k.dep_ == "prep" for g in k.children if g.dep_ == "pobj"]
    return heads


def frames(toks: Iterable[Any], nominal_keys: frozenset[str] = frozenset()) -> list[Frame]:
    """The frames among spaCy tokens: every verb (not an auxiliary, not "be", "have", "say" ...)
    and every noun whose key is in ``nominal_keys`` (the claim's predicates: "withdrawal")."""
    out = []
    for t in toks:
        lemma = lemma_of(t).lower()
        is_verb = t.pos_ == "VERB" and t.dep_ not in ("aux", "auxpass") and lemma not in _SKIP_VERBS
        is_noun = t.pos_ == "NOUN" and _key(lemma) in nominal_keys and len(lemma) >= KEY_LETTERS
        if not (is_verb or is_noun):
            continue
        agents = _agent_heads(t)
        scope = frozenset(_stem(d) for d in t.subtree if d.i != t.i and d.is_alpha and d.lower_ not in STOPWORDS)
        objects = _object_heads(t)
        out.append(Frame(_key(lemma), lemma, _participants(agents, t), _participants(objects, t),
                         _participants(_core_heads(t), t), scope,
                         any(k.dep_ == "neg" for k in t.children)))
    return out


def _match(p: Participant, q: Participant) -> bool:
    """Whether two participants are the same: most of the words of the shorter are in the other
    ("Young" and "Ashley Young")."""
    return len(p.words & q.words) >= CONTEXT_SHARE * min(len(p.words), len(q.words))


def _within(p: Participant, words: frozenset[str]) -> bool:
    return len(p.words & words) >= CONTEXT_SHARE * len(p.words)


def _said_together(key: str, words: frozenset[str], sentences: Iterable[frozenset[str]]) -> bool:
    """Whether some article sentence holds all of ``words`` and a word starting like the predicate."""
    return any(words <= sent and any(w.startswith(key) for w in sent) for sent in sentences)


def role_errors(claim: list[Frame], source: list[Frame], sentences: list[frozenset[str]]) -> list[RoleError]:
    """Participants of the claim's frames in roles the source frames of the same predicate do not
    give them (see the module docstring). ``sentences``: the word forms of each article sentence;
    a participant that some article sentence states with the predicate is never questioned (it
    may do so in a sentence the claim was not aligned to)."""
    article_words = frozenset().union(*sentences) if sentences else frozenset()
    out: list[RoleError] = []
    for c in claim:
        same = [s for s in source if s.key == c.key and (s.negated or not c.negated)]
        if not same:  # a negated claim ("X chose not to run") is compared only with negated frames
            continue
        fine_agents = []
        acts = _same_act(c, same)
        for a in c.agents:
            if any(_match(a, b) for s in same for b in s.agents):
                if a.named:
                    fine_agents.append(a)
                continue
            swapped = next((s for s in same if (any(_match(a, o) for o in s.core) and any(
                _match(o, b) for o in c.core for b in s.agents)) or _unnamed_doer(a, c, s)), None)
            if swapped is not None:
                out.append(_error(a, f"in the article {a.text!r} is what '{c.lemma}' is done to, not who does it"))
            elif a.named and acts and (
                    all(s.agents and all(b.named for b in s.agents) for s in acts) and a.words <= article_words
                    and not _said_together(c.key, a.words, sentences)):
                doers = ", ".join(dict.fromkeys(b.text for s in acts for b in s.agents))
                out.append(_error(a, f"in the article {doers}, not {a.text!r}, do '{c.lemma}' here"))
            elif a.named and a.words <= article_words and _extra_actor(a, c, same, sentences):
                doers = ", ".join(x.text for x in c.agents if x is not a)
                out.append(_error(a, f"in the article {doers} do '{c.lemma}' here, without {a.text!r}"))
        for o in c.core:
            if o.named and not any(_match(o, q) for s in same for q in s.objects) and (
                    all(s.core and all(q.named for q in s.core) for s in same) and o.words <= article_words
                    and not _said_together(c.key, o.words, sentences)):
                what = ", ".join(dict.fromkeys(q.text for s in same for q in s.core))
                out.append(_error(o, f"in the article '{c.lemma}' is done to {what}, not {o.text!r}"))
        for o in c.objects:
            if not fine_agents or len(o.words) < 2:
                continue
            others = [s for s in same if s.agents and _within(o, s.scope)]
            wrong = [a for a in fine_agents if not any(_within(o, s.scope) and any(_match(a, b) for b in s.agents)
                                                       for s in same)
                     and not _said_together(c.key, a.words | o.words, sentences)]
            if wrong and others and all(b.named for s in others for b in s.agents):
                doers = ", ".join(dict.fromkeys(b.text for s in others for b in s.agents))
                out.append(_error(o, f"in the article {doers}, not {', '.join(a.text for a in wrong)}, do "
                                        f"'{c.lemma}' {o.text!r}"))
    return out


def _done_to(frame: Frame) -> frozenset[str]:
    """The words of what ``frame`` does its act to (its direct objects)."""
    return frozenset().union(*(o.words for o in frame.core))


def _same_act(claim: Frame, same: list[Frame]) -> list[Frame]:
    """The source frames that do the act to what ``claim`` does it to (a word of its direct
    objects in their scope), or all of ``same`` when the claim names no direct object."""
    what = _done_to(claim)
    return [s for s in same if what & s.scope] if what else same


def _extra_actor(a: Participant, claim: Frame, same: list[Frame], sentences: Iterable[frozenset[str]]) -> bool:
    """Whether ``a`` is joined to co-doers of ``claim`` that the source frames give the act to,
    and no article sentence holds ``a``, the predicate and what the claim does it to ("Coutinho
    and Blackburn scored the goal" where Coutinho scored it)."""
    stated = [x for x in claim.agents if x is not a and any(_match(x, b) for s in same for b in s.agents)]
    if not stated:
        return False
    what = _done_to(claim)
    if any(_within(a, s.scope) for s in same if any(_match(x, b) for x in stated for b in s.agents)):
        # the parse puts ``a`` in a co-doer's act, not as its doer: a sentence that names the
        # co-doer too is read by that parse, not by its words
        sentences = [sent for sent in sentences if not any(_within(x, sent) for x in stated)]
    return not _said_together(claim.key, a.words | what, sentences)


def _unnamed_doer(a: Participant, claim: Frame, source: Frame) -> bool:
    """Whether the claim's doer ``a`` is what ``source`` does the act to (the same head word),
    ``source`` leaves its doer unnamed (a pronoun or none), and ``claim`` does the act to
    something the source frame does not ("the lead had given Fulham McCormack" where "he got it
    with McCormack giving them the lead"): ``a`` then cannot be a second mention of the doer."""
    return (not source.agents and bool(claim.core) and any(_match(a, o) and a.head == o.head for o in source.core)
            and not any(_match(o, q) for o in claim.core for q in source.objects))


def _error(p: Participant, detail: str) -> RoleError:
    return RoleError(p.start, p.end, p.text, detail)
