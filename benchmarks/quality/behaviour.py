"""CheckList-style behavioural suite for the scorers: do they catch one controlled error put
into a faithful summary, and do they stay quiet when the summary is only reworded?

Faithful summaries come from the news benchmark's references (scored by the coverage scorer
too) and from a seeded sample of the faithful (``label == 1``) summaries of the faithfulness
dev sets. Each is changed in one way at a time, using spaCy's parse and the harness's number
and date readers (never word lists tuned to one article):

- mutations (should be flagged): ``number``, ``date``, ``entity_outside``, ``entity_inside``,
  ``negation``, ``planned_to_done``, ``extra_actor``, ``swapped_object``, ``antonym`` (a verb or
  adjective replaced by a WordNet antonym: the same resource the opposites check reads, so its
  figure says how often the check finds the article's word said of the same things);
- rewrites (should not be flagged): ``digits_words``, ``date_format``, ``clause_order``,
  ``passive``, ``drop_subordinate``, ``vaguer``, ``unchanged``.

Usage (from the repository root)::

    python benchmarks/quality/behaviour.py [--data FILE ...] [--per-dataset 25] [--sites 3]
        [--seed 0] [--lm none|smollm2-135m-instruct] [--json OUT]
"""

from __future__ import annotations

import argparse
import glob
import json
import random
import re
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import ROOT, SHARED, machine, peak_rss_mb  # noqa: E402

from harness.resources import lemma, parse  # noqa: E402
from harness.numbers import NUMBER_WORDS, number_values, numbers
from harness.text import MONTHS, WEEKDAY, dates, weekday_dates

NEWS = ROOT / "benchmarks/news/articles.jsonl"
DEFAULT_DATA = sorted(glob.glob(str(SHARED / "metaeval/faithfulness/*.dev.jsonl")))

LABELS = ("PERSON", "GPE", "ORG")
POOL = {
    "PERSON": ("Tomas Reinholt", "Adaeze Wollaston", "Mirela Castenbrook", "Joaquin Feldhausen",
               "Ingrid Pallwick", "Dorian Okonkwe", "Sunniva Tarrowby", "Caspian Mertlow"),
    "GPE": ("Valdoria", "Kestmoor", "Tallowmere", "Orvania", "Brennick Falls", "Castellmoor"),
    "ORG": ("Crestmark Holdings", "Halvard Institute", "Norrow Transit Authority", "Quillfield Group",
            "Brightwater Cooperative", "Ostmere Analytics"),
}
"""Invented names per entity label, for ``entity_outside`` and ``extra_actor``."""

MUTATIONS = ("number", "date", "entity_outside", "entity_inside", "negation", "planned_to_done",
             "extra_actor", "swapped_object", "antonym")
REWRITES = ("digits_words", "date_format", "clause_order", "passive", "drop_subordinate", "vaguer", "unchanged")
EXPECTED = {
    "number": {"number"}, "date": {"date"}, "entity_outside": {"entity"},
    "entity_inside": {"entity", "attribution", "unsupported", "trap"},
    "extra_actor": {"entity", "attribution", "unsupported", "trap"},
    "swapped_object": {"entity", "attribution", "unsupported", "trap"},
    "negation": {"negation"}, "planned_to_done": {"modality"}, "antonym": {"negation"},
}
"""Hallucination kinds that count as catching each mutation for what it is."""


# ---------------------------------------------------------------- records
@dataclass(frozen=True)
class Variant:
    """A summary changed in one way: its kind, text, and the changed span in the original
    (``start``, ``end``) and in the variant (``new_start``, ``new_end``)."""

    kind: str
    text: str
    start: int
    end: int
    new_start: int
    new_end: int
    detail: str = ""


@dataclass
class Context:
    """What the mutations need to know of the article: its text, names by label (most
    mentioned first), the number values, days and months it states."""

    body: str
    names: dict[str, list[str]] = field(default_factory=dict)
    values: set[float] = field(default_factory=set)
    days: set[tuple[int, int]] = field(default_factory=set)
    months: set[int] = field(default_factory=set)
    words: set[str] = field(default_factory=set)


def build_context(body: str, body_doc: Any = None, published: str | None = None) -> Context:
    """The :class:`Context` of an article ``body`` (``body_doc``: its spaCy parse with entities;
    parsed here when not given; ``published``: ISO date of the byline)."""
    import datetime

    if body_doc is None:
        body_doc = parse([body])[0]
    counts: dict[str, dict[str, int]] = {label: {} for label in LABELS}
    for ent in body_doc.ents:
        if ent.label_ in LABELS and _clean_name(ent):
            counts[ent.label_][ent.text] = counts[ent.label_].get(ent.text, 0) + 1
    names = {label: sorted(c, key=lambda n: (-c[n], n)) for label, c in counts.items()}
    ctx = Context(body=body, names=names, values=number_values(body),
                  words={w.lower() for w in re.findall(r"[A-Za-z]+", body)})
    for d in dates(body):
        ctx.months.add(d.month)
        if d.day is not None:
            ctx.days.add((d.month, d.day))
    if published:
        try:
            pub = datetime.date.fromisoformat(published)
        except ValueError:
            pub = None
        if pub is not None:
            ctx.values.add(float(pub.year))  # the byline's year counts as stated
            ctx.days.add((pub.month, pub.day))
            ctx.months.add(pub.month)
            for m in WEEKDAY.finditer(body):
                for day in weekday_dates(m.group(1), pub):
                    ctx.days.add((day.month, day.day))
    return ctx


_NAME_GLUE = {"the", "of", "and", "for", "de", "la", "van", "von", "&", "-", ".", "'s"}


def _clean_name(ent: Any) -> bool:
    """A usable name: starts with a capital, every other word capitalised too (except "the",
    "of", "and" ...), no digits, at most five words, one line."""
    text = ent.text[4:] if ent.text.startswith("the ") else ent.text
    return (bool(text) and text[0].isupper() and not any(ch.isdigit() for ch in text)
            and "\n" not in text and len(ent) <= 5
            and all(t.text[:1].isupper() or t.lower_ in _NAME_GLUE for t in ent))


def _in_place(name: str, ent: Any) -> str:
    """``name`` as it reads where ``ent`` stands: a leading "The" lower-cased mid-sentence."""
    if name.startswith("The ") and ent.start != ent.sent.start:
        return "the " + name[4:]
    return name


def apply_edits(text: str, edits: Sequence[tuple[int, int, str]], kind: str, detail: str = "") -> Variant:
    """The :class:`Variant` of ``text`` with each (start, end, replacement) edit made
    (non-overlapping character spans of the original)."""
    edits = sorted(edits)
    out, pos, shift = [], 0, 0
    for s, e, repl in edits:
        out.append(text[pos:s])
        out.append(repl)
        pos = e
        shift += len(repl) - (e - s)
    out.append(text[pos:])
    start, end = edits[0][0], edits[-1][1]
    return Variant(kind, "".join(out), start, end, start, end + shift, detail)


# ---------------------------------------------------------------- small English helpers
_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = {v: k for k, v in NUMBER_WORDS.items() if v >= 20 and v % 10 == 0}


def number_word(n: int) -> str | None:
    """``n`` (0..99) in English words ("twenty-one"); None outside that range."""
    if not 0 <= n <= 99:
        return None
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens * 10] + (f"-{_ONES[ones]}" if ones else "")


IRREGULAR = {
    "be": "been", "have": "had", "do": "done", "go": "gone", "make": "made", "take": "taken",
    "give": "given", "build": "built", "buy": "bought", "sell": "sold", "send": "sent",
    "spend": "spent", "lend": "lent", "leave": "left", "hold": "held", "keep": "kept", "meet": "met",
    "pay": "paid", "say": "said", "tell": "told", "find": "found", "bring": "brought",
    "think": "thought", "seek": "sought", "teach": "taught", "catch": "caught", "fight": "fought",
    "win": "won", "lose": "lost", "begin": "begun", "run": "run", "come": "come", "put": "put",
    "set": "set", "cut": "cut", "let": "let", "shut": "shut", "hit": "hit", "cost": "cost",
    "quit": "quit", "spread": "spread", "split": "split", "bid": "bid", "choose": "chosen",
    "write": "written", "drive": "driven", "rise": "risen", "fall": "fallen", "grow": "grown",
    "know": "known", "show": "shown", "throw": "thrown", "draw": "drawn", "see": "seen",
    "get": "got", "stand": "stood", "sit": "sat", "lead": "led", "read": "read", "feel": "felt",
    "hear": "heard", "forecast": "forecast", "broadcast": "broadcast", "break": "broken",
    "speak": "spoken", "steal": "stolen", "freeze": "frozen", "wear": "worn", "tear": "torn",
    "eat": "eaten", "fly": "flown", "sing": "sung", "ring": "rung", "drink": "drunk",
    "swim": "swum", "shake": "shaken", "forgive": "forgiven", "forget": "forgotten", "bear": "borne",
    "bend": "bent", "bind": "bound", "dig": "dug", "feed": "fed", "hang": "hung", "hide": "hidden",
    "light": "lit", "slide": "slid", "strike": "struck", "stick": "stuck", "sweep": "swept",
    "swing": "swung", "lay": "laid", "deal": "dealt", "mean": "meant", "sleep": "slept",
    "shoot": "shot", "flee": "fled", "ride": "ridden", "arise": "arisen", "shed": "shed",
    "sink": "sunk", "spin": "spun", "wind": "wound", "upset": "upset", "bet": "bet", "hurt": "hurt",
}
"""Past participles of common irregular English verbs (prefixed forms are derived)."""
_PREFIXES = ("with", "over", "under", "out", "re", "up", "mis", "fore")
_DOUBLING = {"admit", "commit", "permit", "omit", "submit", "transmit", "refer", "prefer", "occur",
             "transfer", "control", "regret", "equip", "compel", "propel", "expel", "patrol", "deter",
             "incur", "recur", "acquit", "rebel", "confer", "defer", "infer"}


def past_participle(verb: str) -> str:
    """The past participle of an English verb given by its lemma ("withdraw" -> "withdrawn",
    "open" -> "opened", "plan" -> "planned")."""
    v = verb.lower()
    if v in IRREGULAR:
        return IRREGULAR[v]
    for p in _PREFIXES:
        if v.startswith(p) and v[len(p):] in IRREGULAR and len(v) > len(p) + 2:
            return p + IRREGULAR[v[len(p):]]
    if v.endswith("e"):
        return v + "d"
    if len(v) > 2 and v.endswith("y") and v[-2] not in "aeiou":
        return v[:-1] + "ied"
    if v.endswith("c"):
        return v + "ked"
    one_syllable = len(re.findall(r"[aeiou]+", v)) == 1
    cvc = len(v) >= 3 and v[-1] not in "aeiouwxy" and v[-2] in "aeiou" and v[-3] not in "aeiou"
    if v in _DOUBLING or (one_syllable and cvc):
        return v + v[-1] + "ed"
    return v + "ed"


_PLURAL_OF = {"is": "are", "was": "were", "has": "have", "does": "do"}
_PLURAL_PRONOUNS = {"we", "they", "i", "you"}


def _is_plural(tok: Any) -> bool:
    """Whether a subject token (with its conjuncts) is grammatically plural."""
    return (tok.tag_ in ("NNS", "NNPS") or tok.lower_ in _PLURAL_PRONOUNS
            or any(c.dep_ == "conj" for c in tok.children))


def _match_case(word: str, like: str) -> str:
    """``word`` with its first letter upper-cased when ``like`` starts with a capital."""
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _cap(text: str) -> str:
    """``text`` with its first letter upper-cased."""
    return text[:1].upper() + text[1:]


def _decap(span: Any) -> str:
    """The text of a spaCy span, its first letter lower-cased unless it starts a name or "I"."""
    first = span[0]
    if first.pos_ == "PROPN" or first.text == "I" or first.text.isupper() or first.ent_type_:
        return span.text
    return span.text[:1].lower() + span.text[1:]


def _outside_spans(spans: Iterable[tuple[int, int]], start: int, end: int) -> bool:
    """True when [start, end) overlaps none of ``spans``."""
    return all(end <= s or start >= e for s, e in spans)


_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_WORDS = re.compile(r"(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")(?:[- ](?:"
                    + "|".join(_ONES) + r"))?", re.I)


def _year_like(text: str) -> bool:
    """A four-digit 1900-2099 number."""
    return bool(re.fullmatch(r"(19|20)\d\d", text))


def _plain_numbers(text: str) -> list[tuple[int, int, str, Any]]:
    """Numbers of ``text`` outside its dates and not years: (start, end, numeric part, mention)
    with the span of the numeric part alone (without "percent" or "million")."""
    taken = [(d.start, d.end) for d in dates(text)]
    out = []
    for m in numbers(text):
        if not _outside_spans(taken, m.start, m.end):
            continue
        part = _DIGITS.match(m.text) or _WORDS.match(m.text)
        if part is None or _year_like(part.group()):
            continue
        out.append((m.start, m.start + part.end(), part.group(), m))
    return out


# ---------------------------------------------------------------- mutations
def mutate_number(doc: Any, ctx: Context) -> list[Variant]:
    """Each number the summary states (not a date or year) changed to a value the article does
    not state, in the same written form (digits with the same separators and decimals, or words)."""
    text = doc.text
    out = []
    for s, e, part, m in _plain_numbers(text):
        scale = m.value / m.raw if m.raw else 1.0
        if part[0].isdigit():
            decimals = len(part.split(".")[1]) if "." in part else 0
            unit = 10 ** -decimals
            tries = [m.raw * 2 + unit, m.raw + unit, m.raw + 2 * unit, m.raw * 3 + 2 * unit, m.raw - unit]
            for v in tries:
                v = round(v, decimals)
                if v <= 0 or v == m.raw or _stated(v, scale, ctx):
                    continue
                new = f"{v:,.{decimals}f}" if "," in part else f"{v:.{decimals}f}"
                out.append(apply_edits(text, [(s, e, new)], "number", f"{part} -> {new}"))
                break
        else:
            raw = int(m.raw)
            for v in (raw * 2 + 1, raw + 1, raw + 2, raw + 3, raw - 1):
                word = number_word(v)
                if word is None or v <= 0 or v == raw or _stated(float(v), scale, ctx):
                    continue
                new = _match_case(word, part)
                out.append(apply_edits(text, [(s, e, new)], "number", f"{part} -> {new}"))
                break
    return out


def _stated(value: float, scale: float, ctx: Context) -> bool:
    """Whether the article states ``value`` (or it scaled by ``scale``)."""
    return round(value, 6) in ctx.values or round(value * scale, 6) in ctx.values


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY = re.compile(r"(?<!\d)(\d{1,2})(?!\d)")
_MONTH_WORD = re.compile(r"\b(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?", re.I)
_MONTH_NAMES = ("January February March April May June July August September October November "
                "December").split()


def mutate_date(doc: Any, ctx: Context) -> list[Variant]:
    """Each date moved to one the article does not state: a day to another day of the month,
    a month-and-year to another month, a bare year (or a date's year) to another year."""
    text = doc.text
    out = []
    found = dates(text)
    for d in found:
        if d.day is not None:
            iso = _ISO.fullmatch(d.text)
            day = (iso.start(3), iso.end(3)) if iso else next(
                ((m.start(1), m.end(1)) for m in _DAY.finditer(d.text)), None)
            if day is None:
                continue
            for delta in (3, -3, 5, -5, 2, -2, 7, -7, 1, -1):
                nd = d.day + delta
                if 1 <= nd <= 28 and (d.month, nd) not in ctx.days:
                    old = d.text[day[0]:day[1]]
                    new = f"{nd:02d}" if old.startswith("0") else str(nd)
                    out.append(apply_edits(text, [(d.start + day[0], d.start + day[1], new)], "date",
                                           f"{d.text} -> day {nd}"))
                    break
        elif d.year is not None:
            mw = _MONTH_WORD.search(d.text)
            if mw is None:
                continue
            for delta in (2, -2, 3, -3, 4, 5):
                nm = (d.month - 1 + delta) % 12 + 1
                if nm in ctx.months:
                    continue
                name = _MONTH_NAMES[nm - 1]
                new = name[:3] + ("." if mw.group().endswith(".") else "") if len(mw.group(1)) <= 4 else name
                out.append(apply_edits(text, [(d.start + mw.start(), d.start + mw.end(), new)], "date",
                                       f"{d.text} -> {new}"))
                break
    for m in numbers(text):
        after = text[m.end:m.end + 1]
        if not _year_like(m.text) or after in ("-", "/") or after.isalpha() or text[m.start - 1:m.start] in ("-", "/"):
            continue
        year = int(m.text)
        for delta in (1, -1, 2, -2, 3, -3):
            if float(year + delta) not in ctx.values:
                out.append(apply_edits(text, [(m.start, m.end, str(year + delta))], "date",
                                       f"{year} -> {year + delta}"))
                break
    return sorted(out, key=lambda v: v.start)


def _entities(doc: Any) -> list[Any]:
    """The PERSON / GPE / ORG names of a summary worth changing (a possessive "'s" left out)."""
    from spacy.tokens import Span

    out = []
    for e in doc.ents:
        if e.label_ in LABELS and len(e) > 1 and e[-1].tag_ == "POS":
            e = Span(doc, e.start, e.end - 1, label=e.label_)
        if e.label_ in LABELS and _clean_name(e):
            out.append(e)
    return out


def _name_words(text: str) -> set[str]:
    """Lower-cased words of a name (for "the same name" checks)."""
    return {w.lower() for w in re.findall(r"[A-Za-z]+", text)} - {"the", "of", "and"}


def _same_shape(name: str, ent: Any) -> str:
    """A PERSON ``name`` cut to its surname when ``ent`` is a one-word person mention."""
    if ent.label_ == "PERSON" and len(ent) == 1 and " " in name:
        return name.split()[-1]
    return name


def _pool_name(label: str, ent: Any, ctx: Context, avoid: str) -> str | None:
    """An invented name of ``label`` whose words occur neither in the article nor in ``avoid``
    (chosen by a stable hash of ``ent``'s text)."""
    pool = POOL[label]
    first = zlib.crc32(ent.text.encode())
    avoid_words = _name_words(avoid)
    for k in range(len(pool)):
        name = _same_shape(pool[(first + k) % len(pool)], ent)
        words = _name_words(name)
        if not words & ctx.words and not words & avoid_words:
            return name
    return None


def _article_name(label: str, ent: Any, ctx: Context, sentence: str) -> str | None:
    """The most mentioned article name of ``label`` that shares no word with the summary
    sentence (so it is a different thing, not named there)."""
    sent_words = _name_words(sentence)
    for name in ctx.names.get(label, []):
        name = _same_shape(name, ent)
        words = _name_words(name)
        if words and not words & sent_words:
            return name
    return None


def mutate_entity_outside(doc: Any, ctx: Context) -> list[Variant]:
    """Each PERSON / GPE / ORG name replaced by an invented one of the same label that the
    article does not contain."""
    out = []
    for ent in _entities(doc):
        name = _pool_name(ent.label_, ent, ctx, doc.text)
        if name is not None:
            out.append(apply_edits(doc.text, [(ent.start_char, ent.end_char, name)], "entity_outside",
                                   f"{ent.text} -> {name} ({ent.label_})"))
    return out


def mutate_entity_inside(doc: Any, ctx: Context) -> list[Variant]:
    """Each PERSON / GPE / ORG name replaced by another name of the same label from the article
    that the sentence does not name (a role swap)."""
    out = []
    for ent in _entities(doc):
        name = _article_name(ent.label_, ent, ctx, ent.sent.text)
        if name is not None:
            name = _in_place(name, ent)
            out.append(apply_edits(doc.text, [(ent.start_char, ent.end_char, name)], "entity_inside",
                                   f"{ent.text} -> {name} ({ent.label_})"))
    return out


_SAY = {"say", "tell", "add", "state", "note", "report", "warn", "argue", "claim", "explain",
        "insist", "confirm", "write", "believe", "think"}


def _clause_verbs(doc: Any) -> list[Any]:
    """Main verbs of the summary's clauses: each sentence's root (or, under a reporting verb,
    the verb of what is reported) and the conjoined verbs with their own subject."""
    verbs = []
    for sent in doc.sents:
        root = sent.root
        if lemma(root) in _SAY:
            said = [c for c in root.children if c.dep_ == "ccomp" and c.pos_ in ("VERB", "AUX")]
            if said:
                root = said[0]
        verbs.append(root)
        verbs.extend(c for c in root.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")
                     and any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children))
    return [v for v in verbs if v.pos_ in ("VERB", "AUX")]


_CONTRACTED = {"ca": "can", "wo": "will", "sha": "shall"}


def mutate_negation(doc: Any, ctx: Context) -> list[Variant]:
    """Each clause's main verb negated ("announced" -> "did not announce", "will leave" ->
    "will not leave", "is" -> "is not"), or its negation removed when it has one."""
    text = doc.text
    out = []
    for verb in _clause_verbs(doc):
        negs = [c for c in verb.children if c.dep_ == "neg"]
        auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass") and c.i < verb.i and c.lower_ != "to"]
        if negs:
            neg = negs[0]
            prev = doc[neg.i - 1] if neg.i > 0 else None
            if neg.lower_ == "n't" and prev is not None and prev.lower_ in _CONTRACTED:
                edit = (prev.idx, neg.idx + len(neg), _match_case(_CONTRACTED[prev.lower_], prev.text))
            elif neg.lower_ == "n't":
                edit = (neg.idx, neg.idx + len(neg), "")
            else:
                start = neg.idx
                while start > 0 and text[start - 1] == " ":
                    start -= 1
                edit = (start, neg.idx + len(neg), "")
            out.append(apply_edits(text, [edit], "negation", f"removed {neg.text!r}"))
        elif auxes:
            a = auxes[0]
            if a.tag_ not in ("MD", "VBD", "VBZ", "VBP"):
                continue
            out.append(apply_edits(text, [(a.idx + len(a), a.idx + len(a), " not")], "negation",
                                   f"{a.text} -> {a.text} not"))
        elif lemma(verb) == "be" and verb.tag_ in ("VBD", "VBZ", "VBP"):
            out.append(apply_edits(text, [(verb.idx + len(verb), verb.idx + len(verb), " not")], "negation",
                                   f"{verb.text} -> {verb.text} not"))
        elif verb.tag_ in ("VBD", "VBZ", "VBP"):
            do = {"VBD": "did", "VBZ": "does", "VBP": "do"}[verb.tag_]
            new = f"{_match_case(do, verb.text)} not {lemma(verb)}"
            out.append(apply_edits(text, [(verb.idx, verb.idx + len(verb), new)], "negation",
                                   f"{verb.text} -> {new}"))
    return out


_PAST_DIFFERS = re.compile(r"(n|one|een|un|ung|unk|um|wn)$")
"""Irregular participles that are not also the simple past ("risen"/"rose", "sung"/"sang")."""


def mutate_antonym(doc: Any, ctx: Context) -> list[Variant]:
    """A verb or adjective replaced by one of its WordNet antonyms, inflected as it was
    ("raised" -> "lowered", "higher" is left alone, "open" -> "closed" for an adjective): base
    adjectives, base and past verb forms (a simple past only where the antonym's past is its
    participle)."""
    from harness.resources import antonyms

    out = []
    for tok in doc:
        if not tok.is_alpha or tok.ent_type_ or tok.dep_ in ("aux", "auxpass"):
            continue
        if tok.pos_ == "ADJ" and tok.tag_ == "JJ":
            forms = sorted(antonyms(tok.lower_, "a"))
        elif tok.pos_ == "VERB" and tok.tag_ in ("VB", "VBP", "VBD", "VBN"):
            forms = []
            for a in sorted(antonyms(lemma(tok).lower(), "v")):
                if tok.tag_ in ("VB", "VBP"):
                    forms.append(a)
                elif tok.tag_ == "VBN" or not (a in IRREGULAR and _PAST_DIFFERS.search(IRREGULAR[a])):
                    forms.append(past_participle(a))
        else:
            continue
        for form in forms:
            out.append(apply_edits(doc.text, [(tok.idx, tok.idx + len(tok), _match_case(form, tok.text))],
                                   "antonym", f"{tok.text} -> {form}"))
    return out


_INTENT = {"plan", "intend", "expect", "aim", "hope", "seek", "propose", "prepare", "want", "schedule",
           "set", "due", "go", "vow", "pledge", "promise", "threaten", "try", "look"}
"""Heads whose "to V" states something planned, not done ("plans to", "is expected to",
"is set to", "is due to", "is going to")."""


def _finite_perfect(subject: Any, past: bool) -> str:
    """"had" for a past plan, else "has" / "have" agreeing with ``subject``."""
    if past:
        return "had"
    return "have" if subject is not None and _is_plural(subject) else "has"


def _subject(verb: Any) -> Any:
    """The verb's subject token (None without one)."""
    return next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)


def mutate_planned_to_done(doc: Any, ctx: Context) -> list[Variant]:
    """Each planned or future verb phrase stated as done: "will withdraw" / "plans to withdraw"
    / "is expected to open" -> "has withdrawn" / "has opened" ("had" for a past plan)."""
    text = doc.text
    out = []
    for tok in doc:
        head = tok.head
        if (tok.dep_ == "aux" and tok.lower_ in ("will", "'ll", "would") and head.tag_ in ("VB", "VBN")
                and not any(c.dep_ == "neg" for c in head.children)):
            finite = _finite_perfect(_subject(head), tok.lower_ == "would")
            lead = " " if tok.lower_ == "'ll" else ""
            edits = [(tok.idx, tok.idx + len(tok), lead + _match_case(finite, tok.text))]
            if head.tag_ == "VB":
                edits.append((head.idx, head.idx + len(head), past_participle(lemma(head))))
            else:
                be = next((c for c in head.children if c.dep_ == "auxpass" and c.lower_ == "be"), None)
                if be is None:
                    continue
                edits.append((be.idx, be.idx + len(be), "been"))
            out.append(apply_edits(text, edits, "planned_to_done", f"{tok.text} {head.text}"))
            continue
        if tok.dep_ != "xcomp" or tok.tag_ != "VB" or lemma(head) not in _INTENT:
            continue
        to = next((c for c in tok.children if c.dep_ == "aux" and c.lower_ == "to"), None)
        if to is None or to.i < head.i or any(c.dep_ == "neg" for c in head.children):
            continue
        if lemma(head) in ("set", "schedule") and head.tag_ != "VBN":
            continue
        if lemma(head) == "go" and head.tag_ != "VBG":
            continue
        if lemma(head) == "look" and head.tag_ not in ("VBG",):
            continue
        auxes = [c for c in head.children if c.dep_ in ("aux", "auxpass") and c.i < head.i]
        if any(a.tag_ == "MD" for a in auxes) or (not auxes and head.tag_ not in ("VBZ", "VBP", "VBD")):
            continue
        first = auxes[0] if auxes else head
        past = (first.tag_ == "VBD")
        finite = _finite_perfect(_subject(head), past)
        edits = [(first.idx, to.idx + len(to), _match_case(finite, first.text))]
        between = doc[to.i + 1:tok.i]
        if any(t.pos_ in ("VERB", "AUX") for t in between):
            continue
        edits.append((tok.idx, tok.idx + len(tok), past_participle(lemma(tok))))
        out.append(apply_edits(text, edits, "planned_to_done", f"{doc[first.i:tok.i + 1].text}"))
    return out


def _plural_verb(verb: Any) -> tuple[int, int, str] | None:
    """The edit that makes the finite verb of ``verb``'s clause plural ("is" -> "are",
    "announces" -> "announce"); None when it already agrees with a plural subject."""
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass") and c.i < verb.i]
    finite = auxes[0] if auxes else verb
    low = finite.lower_
    if low in _PLURAL_OF:
        return finite.idx, finite.idx + len(finite), _match_case(_PLURAL_OF[low], finite.text)
    if finite.tag_ == "VBZ":
        return finite.idx, finite.idx + len(finite), lemma(finite)
    return None


def mutate_extra_actor(doc: Any, ctx: Context) -> list[Variant]:
    """Each subject that is a name gets a second conjunct of the same label ("X announced" ->
    "X and Y announced"), Y from the article (not named in the sentence) or else invented;
    the verb made plural to agree."""
    out = []
    ents = {e.end - 1: e for e in _entities(doc)}
    for tok in doc:
        if tok.dep_ not in ("nsubj", "nsubjpass") or tok.i not in ents:
            continue
        ent = ents[tok.i]
        if tok.right_edge.i != tok.i or tok.left_edge.i < ent.start - 1 or any(c.dep_ in ("conj", "cc")
                                                                                 for c in tok.children):
            continue
        other = (_article_name(ent.label_, ent, ctx, ent.sent.text)
                 or _pool_name(ent.label_, ent, ctx, doc.text))
        if other is None:
            continue
        other = other if not other.startswith("The ") else "the " + other[4:]
        edits = [(ent.end_char, ent.end_char, f" and {other}")]
        agree = _plural_verb(tok.head)
        if agree is not None and agree[0] >= ent.end_char:
            edits.append(agree)
        out.append(apply_edits(doc.text, edits, "extra_actor", f"{ent.text} and {other}"))
    return out


def _compact_phrase(tok: Any, limit: int = 6) -> Any:
    """The subtree of a noun ``tok`` as a span when it is a short noun phrase (no verb, clause,
    punctuation, pronoun or date in it); else None."""
    if tok.pos_ not in ("NOUN", "PROPN"):
        return None
    span = tok.doc[tok.left_edge.i:tok.right_edge.i + 1]
    if len(span) > limit or any(t.pos_ in ("VERB", "AUX", "PUNCT", "PRON", "SYM") or t.ent_type_ in ("DATE", "TIME")
                                for t in span):
        return None
    return span


def mutate_swapped_object(doc: Any, ctx: Context) -> list[Variant]:
    """Subject and direct object of a verb swapped ("A beat B" -> "B beat A"), when both are
    short noun phrases and the verb's form agrees with either."""
    out = []
    for verb in doc:
        if verb.pos_ != "VERB":
            continue
        subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
        if subj is None or obj is None or not subj.i < verb.i < obj.i:
            continue
        s, o = _compact_phrase(subj), _compact_phrase(obj)
        if s is None or o is None or s.text.lower() == o.text.lower():
            continue
        auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass") and c.i < verb.i]
        finite = auxes[0] if auxes else verb
        if finite.tag_ not in ("VBD", "MD") and _is_plural(subj) != _is_plural(obj):
            continue
        starts = s.start == s.sent.start
        new_s = _cap(_decap(o)) if starts else _decap(o)
        new_o = _decap(s) if starts else s.text
        out.append(apply_edits(doc.text, [(s.start_char, s.end_char, new_s), (o.start_char, o.end_char, new_o)],
                               "swapped_object", f"{s.text} <-> {o.text}"))
    return out


# ---------------------------------------------------------------- rewrites
def _standalone_number(text: str, s: int, e: int) -> bool:
    """Whether ``text[s:e]`` is a number on its own: no currency sign, score, time, range or
    percent sign glued to it (a full stop that ends the sentence is fine)."""
    before, after = text[s - 1:s], text[e:e + 1]
    if before and before in "$£€-:/.":
        return False
    if after == ".":
        return e + 1 >= len(text) or text[e + 1].isspace()
    return after not in ("-", ":", "/", "%")


def rewrite_digits_words(doc: Any, ctx: Context) -> list[Variant]:
    """Each whole number 1..20 written the other way: "4" -> "four", "four" -> "4" (not in
    dates, money, scores or times; "one" stays a word)."""
    text = doc.text
    out = []
    for s, e, part, m in _plain_numbers(text):
        if not _standalone_number(text, s, e):
            continue
        if part[0].isdigit() and not part.isdigit():
            continue
        if part.isdigit():
            v = int(part)
            if not 1 <= v <= 20:
                continue
            new = _cap(number_word(v)) if s == 0 or text[:s].rstrip().endswith((".", "!", "?")) else number_word(v)
        else:
            v = int(m.raw)
            if not 2 <= v <= 20 or " " in part:
                continue
            new = str(v)
        out.append(apply_edits(text, [(s, e, new)], "digits_words", f"{part} -> {new}"))
    return out


def rewrite_date_format(doc: Any, ctx: Context) -> list[Variant]:
    """Each date with a day written in the other order: "March 18, 2025" <-> "18 March 2025",
    "March 18" <-> "18 March" (an ISO date becomes "March 18, 2025")."""
    text = doc.text
    out = []
    for d in dates(text):
        if d.day is None:
            continue
        if _ISO.fullmatch(d.text):
            new = f"{_MONTH_NAMES[d.month - 1]} {d.day}, {d.year}"
        else:
            mw = _MONTH_WORD.search(d.text)
            if mw is None:
                continue
            month = mw.group()
            year = f"{d.year}" if d.year is not None else ""
            if d.text[0].isdigit():
                new = f"{month} {d.day}" + (f", {year}" if year else "")
            else:
                new = f"{d.day} {month}" + (f" {year}" if year else "")
        out.append(apply_edits(text, [(d.start, d.end, new)], "date_format", f"{d.text} -> {new}"))
    return out


def _final_punct(sent: Any) -> Any:
    """The sentence's closing punctuation token (None without one)."""
    last = sent[-1]
    return last if last.is_punct and last.text in (".", "!", "?") else None


def rewrite_clause_order(doc: Any, ctx: Context) -> list[Variant]:
    """Reorder without changing meaning: an attribution moved ("A, B said." <-> "B said A."),
    a leading adverbial moved to the end, or two adjacent sentences swapped."""
    text = doc.text
    out = []
    sents = list(doc.sents)
    for sent in sents:
        end = _final_punct(sent)
        if end is None or any(t.text in ('"', "“", "”", "'", "‘", "’") or t.is_quote for t in sent):
            continue
        root = sent.root
        body_end = end.i
        ccomp = next((c for c in root.children if c.dep_ == "ccomp"), None)
        if lemma(root) in _SAY and ccomp is not None:
            a = doc[ccomp.left_edge.i:ccomp.right_edge.i + 1]
            if a.start == sent.start and a.end < body_end and doc[a.end].text == ",":
                rest = doc[a.end + 1:body_end]
                if len(rest) and all(t.i == root.i or t.head.i == root.i or root in t.ancestors for t in rest):
                    new = f"{_cap(rest.text)} {_decap(a)}{end.text}"
                    out.append(apply_edits(text, [(sent.start_char, end.idx + 1, new)], "clause_order",
                                           "attribution to the front"))
                    continue
            if a.start > root.i and a.end == body_end:
                first = a[0]
                said_part = doc[sent.start:a.start]
                if first.dep_ == "mark" and first.lower_ == "that":
                    a = doc[a.start + 1:a.end]
                if len(a) and said_part.text.strip() and not said_part[-1].is_punct:
                    new = f"{_cap(a.text)}, {_decap(said_part)}{end.text}"
                    out.append(apply_edits(text, [(sent.start_char, end.idx + 1, new)], "clause_order",
                                           "attribution to the end"))
                    continue
        for c in root.children:
            if c.dep_ not in ("prep", "advcl", "npadvmod") or c.left_edge.i != sent.start:
                continue
            adv = doc[c.left_edge.i:c.right_edge.i + 1]
            if adv.end >= body_end or doc[adv.end].text != "," or len(adv) < 2:
                continue
            rest = doc[adv.end + 1:body_end]
            if not len(rest) or root.i < rest.start:
                continue
            new = f"{_cap(rest.text)} {_decap(adv)}{end.text}"
            out.append(apply_edits(text, [(sent.start_char, end.idx + 1, new)], "clause_order",
                                   "leading adverbial to the end"))
            break
    for a, b in zip(sents, sents[1:]):
        if not _stands_alone(a) or not _stands_alone(b):
            continue
        ta, tb = a.text.rstrip(), b.text.rstrip()
        gap = text[a.start_char + len(ta):b.start_char]
        if "\n" in gap or _final_punct(a) is None or _final_punct(b) is None:
            continue
        out.append(apply_edits(text, [(a.start_char, b.start_char + len(tb), tb + gap + ta)], "clause_order",
                               "two sentences swapped"))
    return out


def _stands_alone(sent: Any) -> bool:
    """A sentence that does not lean on the one before: it opens with no pronoun, demonstrative,
    possessive, conjunction or adverb ("It", "This", "But", "Also")."""
    first = sent[0]
    return not (first.pos_ in ("PRON", "CCONJ", "ADV", "SCONJ") or first.lower_ in ("this", "that", "these",
                                                                                     "those", "such", "its",
                                                                                     "their", "his", "her"))


_NO_PASSIVE = {"be", "have", "get", "say", "tell", "become", "seem", "lack", "want", "need", "cost",
               "mean", "resemble", "include", "contain", "fit", "suit", "like", "take", "make", "do", "see"}
_BESIDE = {"prep", "npadvmod", "advmod", "advcl", "punct"}
"""What may hang on a verb before its subject or after its object for the passive to stay safe."""


def rewrite_passive(doc: Any, ctx: Context) -> list[Variant]:
    """Each simple "S V O" clause turned passive ("The board approved the plan" -> "The plan was
    approved by the board"; "has approved" -> "has been approved", "will approve" -> "will be
    approved"), when subject and object are short noun phrases next to the verb and nothing
    else (a second verb, a particle, an indirect object) hangs on it."""
    text = doc.text
    out = []
    for verb in doc:
        if verb.pos_ != "VERB" or verb.tag_ not in ("VBD", "VBZ", "VBP", "VB", "VBN") or lemma(verb) in _NO_PASSIVE:
            continue
        kids = list(verb.children)
        subj = next((c for c in kids if c.dep_ == "nsubj"), None)
        obj = next((c for c in kids if c.dep_ == "dobj"), None)
        if subj is None or obj is None:
            continue
        s, o = _compact_phrase(subj, 8), _compact_phrase(obj, 8)
        if s is None or o is None:
            continue
        auxes = [c for c in kids if c.dep_ == "aux"]
        if o.start != verb.i + 1 or s.end + len(auxes) != verb.i or any(a.i < s.end for a in auxes):
            continue
        if any(c.dep_ not in ("nsubj", "dobj", "aux") and not (c.dep_ in _BESIDE and (c.i < s.start or c.i >= o.end))
               for c in kids):
            continue
        plural = _is_plural(obj)
        if not auxes:
            if verb.tag_ not in ("VBD", "VBZ", "VBP"):
                continue
            past = verb.tag_ == "VBD"
            group = ("were" if plural else "was") if past else ("are" if plural else "is")
        elif len(auxes) == 1 and auxes[0].tag_ == "MD" and verb.tag_ == "VB":
            group = f"{auxes[0].text} be"
        elif len(auxes) == 1 and lemma(auxes[0]) == "have" and verb.tag_ == "VBN":
            have = "had" if auxes[0].tag_ == "VBD" else ("have" if plural else "has")
            group = f"{have} been"
        else:
            continue
        at_start = s.start == verb.sent.start
        new_subject = _cap(_decap(o)) if at_start else _decap(o)
        new = f"{new_subject} {group} {past_participle(lemma(verb))} by {_decap(s) if at_start else s.text}"
        out.append(apply_edits(text, [(s.start_char, o.end_char, new)], "passive", f"{verb.text} -> passive"))
    return out


_KEEP_CONDITION = {"if", "unless", "until", "whether", "provided", "once", "although", "though", "despite"}


def rewrite_drop_subordinate(doc: Any, ctx: Context) -> list[Variant]:
    """Each comma-delimited relative clause, apposition or adverbial clause removed ("Ruth
    Velasquez, the mayor, said ..." -> "Ruth Velasquez said ..."); conditions ("if", "unless")
    are kept, since dropping them changes the meaning."""
    text = doc.text
    out = []
    for tok in doc:
        if tok.dep_ not in ("relcl", "appos", "advcl"):
            continue
        span = doc[tok.left_edge.i:tok.right_edge.i + 1]
        if tok.head.i in range(span.start, span.end) or any(t.is_quote for t in span):
            continue
        if tok.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in _KEEP_CONDITION for c in tok.children):
            continue
        sent = tok.sent
        before = doc[span.start - 1] if span.start > sent.start else None
        after = doc[span.end] if span.end < sent.end else None
        if before is not None and before.text == ",":
            if after is not None and after.text == ",":
                edit = (before.idx, after.idx + 1, "")
            elif after is not None and after.is_punct and after.text in (".", "!", "?", ";"):
                edit = (before.idx, span.end_char, "")
            else:
                continue
            out.append(apply_edits(text, [edit], "drop_subordinate", f"dropped {tok.dep_}: {span.text}"))
        elif before is None and tok.dep_ == "advcl" and after is not None and after.text == ",":
            nxt = doc[after.i + 1] if after.i + 1 < sent.end else None
            if nxt is None or nxt.is_punct:
                continue
            new = _cap(nxt.text)
            out.append(apply_edits(text, [(span.start_char, nxt.idx + len(nxt), new)], "drop_subordinate",
                                   f"dropped advcl: {span.text}"))
    return out


_VAGUE_BLOCKERS = {"to", "than", "from", "between", "and", "or", "about", "around", "nearly", "almost",
                   "over", "under", "some", "up", "only", "just", "at", "least", "most", "by"}


def rewrite_vaguer(doc: Any, ctx: Context) -> list[Variant]:
    """A count made vaguer but still true ("7 schools" -> "several schools", "450 staff" ->
    "hundreds of staff"), or a person's first name dropped ("Ruth Velasquez" -> "Velasquez")."""
    text = doc.text
    out = []
    starts = {t.idx: t for t in doc}
    for s, e, part, m in _plain_numbers(text):
        tok = starts.get(s)
        if tok is None or tok.idx + len(tok) != e or m.percent or m.value != m.raw or m.raw != int(m.raw):
            continue
        if tok.dep_ != "nummod" or tok.head.tag_ not in ("NNS", "NNPS"):
            continue
        prev = doc[tok.i - 1] if tok.i > 0 else None
        if prev is not None and (prev.lower_ in _VAGUE_BLOCKERS or prev.pos_ in ("DET", "PRON", "ADJ", "NUM", "SYM")
                                 or prev.tag_ == "PRP$" or prev.text in "$£€"):
            continue
        n = int(m.raw)
        if 3 <= n <= 12:
            new = "several"
        elif 200 <= n <= 999:
            new = "hundreds of"
        elif 2000 <= n <= 999_999:
            new = "thousands of"
        elif n > 2:
            new = "a number of"
        else:
            continue
        new = _cap(new) if tok.is_sent_start else new
        out.append(apply_edits(text, [(s, e, new)], "vaguer", f"{part} -> {new}"))
    for ent in _entities(doc):
        if ent.label_ == "PERSON" and len(ent) >= 2 and all(t.pos_ == "PROPN" for t in ent):
            last = ent[-1]
            out.append(apply_edits(text, [(ent.start_char, last.idx, "")], "vaguer", f"{ent.text} -> {last.text}"))
    return out


def rewrite_unchanged(doc: Any, ctx: Context) -> list[Variant]:
    """The summary itself (the baseline of false alarms)."""
    return [Variant("unchanged", doc.text, 0, 0, 0, 0, "")]


BUILDERS: dict[str, Callable[[Any, Context], list[Variant]]] = {
    "number": mutate_number, "date": mutate_date, "entity_outside": mutate_entity_outside,
    "entity_inside": mutate_entity_inside, "negation": mutate_negation, "planned_to_done": mutate_planned_to_done,
    "extra_actor": mutate_extra_actor, "swapped_object": mutate_swapped_object, "antonym": mutate_antonym,
    "digits_words": rewrite_digits_words, "date_format": rewrite_date_format, "clause_order": rewrite_clause_order,
    "passive": rewrite_passive, "drop_subordinate": rewrite_drop_subordinate, "vaguer": rewrite_vaguer,
    "unchanged": rewrite_unchanged,
}


def variants(kind: str, summary: str, ctx: Context, doc: Any = None) -> list[Variant]:
    """Every variant of ``kind`` of ``summary`` (one per site), distinct and different from the
    summary (except ``unchanged``); ``doc``: the summary's parse (made here when not given)."""
    if doc is None:
        doc = parse([summary])[0]
    seen, out = set(), []
    for v in BUILDERS[kind](doc, ctx):
        if (v.text != summary or kind == "unchanged") and v.text not in seen:
            seen.add(v.text)
            out.append(v)
    return out


# ---------------------------------------------------------------- sources and scoring
@dataclass
class Source:
    """A faithful summary to change: its article, where it comes from and its id."""

    id: str
    source: str
    article: Any
    summary: str
    news: bool


def news_sources(path: Path = NEWS) -> list[Source]:
    """The news benchmark's reference summaries."""
    from harness.pipeline import prepare_articles

    return [Source(f"{a.id}#{k}", "news", a, ref, True)
            for a in prepare_articles(path) for k, ref in enumerate(a.references)]


def metaeval_sources(paths: Sequence[str], per_dataset: int, seed: int) -> list[Source]:
    """A seeded sample of ``per_dataset`` faithful summaries of each dataset of the files."""
    from harness.metaeval.faithfulness import article_of, load_all

    rows = [r for r in load_all(paths) if r["label"] == 1]
    out = []
    for name in sorted({r["dataset"] for r in rows}):
        mine = [r for r in rows if r["dataset"] == name]
        picked = sorted(random.Random(f"{seed}|{name}").sample(range(len(mine)), min(per_dataset, len(mine))))
        out.extend(Source(mine[i]["id"], name, article_of(mine[i]), mine[i]["summary"], False) for i in picked)
    return out


def make_variants(sources: Sequence[Source], sites: int, seed: int, progress: Any = None
                  ) -> list[tuple[Source, Variant]]:
    """Up to ``sites`` variants of every kind of every source (sites chosen by a seeded RNG)."""
    summaries = parse([s.summary for s in sources])
    bodies = parse([s.article.body if s.article.body is not None else s.article.text for s in sources])
    out = []
    for src, doc, bdoc in zip(sources, summaries, bodies):
        ctx = build_context(bdoc.text, bdoc, src.article.published)
        for kind in MUTATIONS + REWRITES:
            found = variants(kind, src.summary, ctx, doc)
            rng = random.Random(f"{seed}|{src.id}|{kind}")
            chosen = sorted(rng.sample(range(len(found)), min(sites, len(found))))
            out.extend((src, found[i]) for i in chosen)
        if progress is not None:
            progress.update(1)
    return out


def score_all(pairs: Sequence[tuple[Source, Variant]], coverage: Any, faith: Any, chunk: int = 64
              ) -> tuple[dict[tuple[str, str], Any], dict[tuple[str, str], Any]]:
    """Hallucination results of every distinct (article, text), and coverage results of the news
    ones (the originals included), keyed by (source id, text)."""
    from tqdm import tqdm

    from harness.scorers.batch import Lookahead

    todo: dict[tuple[str, str], Source] = {}
    for src, v in pairs:
        todo.setdefault((src.id, src.summary), src)
        todo.setdefault((src.id, v.text), src)
    keys = list(todo)
    chunks = [keys[k:k + chunk] for k in range(0, len(keys), chunk)]
    items = [[(todo[key].article, key[1]) for key in part] for part in chunks]
    faith_out: dict[tuple[str, str], Any] = {}
    ahead = Lookahead([faith], items, depth=1)
    with tqdm(total=len(keys), desc="scoring", unit="summary", file=sys.stderr) as bar:
        for k, (part, its) in enumerate(zip(chunks, items)):
            ahead.reached(faith, k)
            faith_out.update(zip(part, faith.score_many(its, progress=bar)))
    news_keys = [key for key in keys if todo[key].news]
    cov_out = dict(zip(news_keys, coverage.score_many([(todo[key].article, key[1]) for key in news_keys])))
    return faith_out, cov_out


def _share(hits: int, n: int) -> float | None:
    return round(hits / n, 3) if n else None


def summarise(pairs: Sequence[tuple[Source, Variant]], faith: dict, cov: dict) -> dict[str, Any]:
    """The figures per kind (overall and per source): n, share flagged (``faithful`` false),
    share flagged where the original was not, share with a finding of the expected kind (any
    verdict; also flagged and with it; also at the changed span); for the
    news mutations the touched facts and the shares that became contradicted / stopped being
    covered. Also, per kind, how many variants got a finding of each hallucination kind, and a
    few examples of missed mutations and false alarms."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    examples: dict[str, list[dict[str, Any]]] = {}
    found_kinds: dict[str, dict[str, int]] = {}
    for src, v in pairs:
        res = faith[(src.id, v.text)]
        orig = faith[(src.id, src.summary)]
        flagged = not res.faithful
        expected = EXPECTED.get(v.kind, set())
        kind_found = any(h.kind in expected for h in res.hallucinations)
        at_site = any(h.kind in expected and h.start < max(v.new_end, v.new_start + 1) and h.end > v.new_start
                      for h in res.hallucinations)
        touched = contradicted = uncovered = stating = stating_contradicted = 0
        if src.news and v.kind in MUTATIONS:
            from harness.checkers.hints import find_phrase

            before = {f.id: f for f in cov[(src.id, src.summary)].facts}
            after = {f.id: f for f in cov[(src.id, v.text)].facts}
            statements = {g.id: g.statement for g in src.article.facts}
            changed = src.summary[v.start:v.end]
            for fid, f in before.items():
                ev = f.evidence
                if f.status != "covered" or ev is None or not (ev.start < max(v.end, v.start + 1) and ev.end > v.start):
                    continue
                touched += 1
                contradicted += after[fid].status == "contradicted"
                uncovered += after[fid].status != "covered"
                if changed.strip() and find_phrase(changed, statements.get(fid, "")) is not None:  # the fact states it
                    stating += 1
                    stating_contradicted += after[fid].status == "contradicted"
        seen = found_kinds.setdefault(v.kind, {})
        for k in sorted({h.kind for h in res.hallucinations}):
            seen[k] = seen.get(k, 0) + 1
        for source in ("all", src.source):
            g = groups.setdefault((v.kind, source), {"n": 0, "flagged": 0, "kind_found": 0, "with_kind": 0,
                                                     "at_site": 0,
                                                     "orig_ok": 0, "new_flag": 0, "facts": 0,
                                                     "contradicted": 0, "uncovered": 0, "stating": 0,
                                                     "stating_contradicted": 0})
            g["n"] += 1
            g["flagged"] += flagged
            g["kind_found"] += kind_found
            g["with_kind"] += flagged and kind_found
            g["at_site"] += at_site
            g["orig_ok"] += orig.faithful
            g["new_flag"] += orig.faithful and flagged
            g["facts"] += touched
            g["contradicted"] += contradicted
            g["uncovered"] += uncovered
            g["stating"] += stating
            g["stating_contradicted"] += stating_contradicted
        bad = (v.kind in MUTATIONS and not flagged) or (v.kind in REWRITES and flagged and orig.faithful)
        if bad and len(examples.setdefault(v.kind, [])) < 3:
            examples[v.kind].append({"source": src.id, "detail": v.detail, "original": src.summary,
                                     "variant": v.text,
                                     "found": [f"{h.kind}: {h.text[:60]}" for h in res.hallucinations][:4]})
    figures: dict[str, Any] = {}
    for (kind, source), g in sorted(groups.items()):
        row = {"n": g["n"], "flagged": _share(g["flagged"], g["n"]),
               "flagged_new": _share(g["new_flag"], g["orig_ok"]), "n_original_faithful": g["orig_ok"]}
        if kind in MUTATIONS:
            row["kind_found"] = _share(g["kind_found"], g["n"])
            row["flagged_with_kind"] = _share(g["with_kind"], g["n"])
            row["kind_at_span"] = _share(g["at_site"], g["n"])
            if g["facts"]:
                row["facts_touched"] = g["facts"]
                row["facts_contradicted"] = _share(g["contradicted"], g["facts"])
                row["facts_not_covered"] = _share(g["uncovered"], g["facts"])
            if g["stating"]:
                row["facts_stating"] = g["stating"]
                row["facts_stating_contradicted"] = _share(g["stating_contradicted"], g["stating"])
        figures.setdefault(source, {})[kind] = row
    return {"figures": figures, "examples": examples,
            "found_kinds": {k: dict(sorted(v.items())) for k, v in sorted(found_kinds.items())}}


def _fmt(x: Any) -> str:
    return "-" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))


def tables(fig: dict[str, Any]) -> str:
    """The figures as plain-text tables: mutations, rewrites, and flagged share per source."""
    allf = fig["all"]
    lines = ["mutation            n  flagged  new-flag  kind-found  flagged+kind  kind@span  facts  contradicted"
             "  not-covered  stating  contradicted"]
    for kind in MUTATIONS:
        r = allf.get(kind)
        if r is None:
            lines.append(f"{kind:<17} {0:>3}")
            continue
        news = fig.get("news", {}).get(kind, {})
        lines.append(f"{kind:<17} {r['n']:>3}  {_fmt(r['flagged']):>7}  {_fmt(r['flagged_new']):>8}  "
                     f"{_fmt(r['kind_found']):>10}  {_fmt(r['flagged_with_kind']):>12}  {_fmt(r['kind_at_span']):>9}  "
                     f"{_fmt(news.get('facts_touched', 0)):>5}  {_fmt(news.get('facts_contradicted')):>12}  "
                     f"{_fmt(news.get('facts_not_covered')):>11}  {_fmt(news.get('facts_stating', 0)):>7}  "
                     f"{_fmt(news.get('facts_stating_contradicted')):>12}")
    lines += ["", "rewrite             n  false-alarm  (original not flagged)"]
    for kind in REWRITES:
        r = allf.get(kind)
        if r is None:
            lines.append(f"{kind:<17} {0:>3}")
            continue
        lines.append(f"{kind:<17} {r['n']:>3}  {_fmt(r['flagged']):>11}  {_fmt(r['flagged_new']):>10}")
    sources = [s for s in fig if s != "all"]
    lines += ["", "flagged share (n) per source", f"{'kind':<17} " + "  ".join(f"{s[:15]:>15}" for s in sources)]
    for kind in MUTATIONS + REWRITES:
        cells = []
        for s in sources:
            r = fig[s].get(kind)
            cells.append(f"{_fmt(r['flagged'])} ({r['n']})" if r else "-")
        lines.append(f"{kind:<17} " + "  ".join(f"{c:>15}" for c in cells))
    return "\n".join(lines)


def code_state() -> dict[str, Any]:
    """The commit the harness was run at and the files under ``harness/`` changed since (the
    scorers change often: figures are comparable only at the same state)."""
    import subprocess

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": git("rev-parse", "--short", "HEAD"),
            "harness_changed": git("status", "--porcelain", "--", "harness").splitlines()}


def main(argv: Sequence[str] | None = None) -> int:
    """Build the variants, score them, print the tables (and write ``--json``)."""
    from tqdm import tqdm

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", nargs="*", default=DEFAULT_DATA, metavar="FILE",
                    help="faithfulness dev files (JSONL: id, dataset, document, summary, label)")
    ap.add_argument("--per-dataset", type=int, default=25, help="faithful summaries sampled per dataset")
    ap.add_argument("--sites", type=int, default=3, help="variants per kind and summary (different places)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lm", default="none", help="the hallucination scorer's likelihood judge (default none)")
    ap.add_argument("--json", metavar="OUT")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    from harness.pipeline import build_scorers

    sources = news_sources()
    data = [p for p in (args.data or []) if Path(p).exists()]
    if not data:
        print(f"no faithfulness dev files found ({', '.join(args.data) or 'none given'}): "
              f"running on the news benchmark alone", file=sys.stderr)
    else:
        sources += metaeval_sources(data, args.per_dataset, args.seed)
    coverage, faith = build_scorers({"coverage": {}, "hallucination": {"lm": args.lm}})
    with tqdm(total=len(sources), desc="mutating", unit="summary", file=sys.stderr) as bar:
        pairs = make_variants(sources, args.sites, args.seed, bar)
    t_variants = time.perf_counter() - t0
    faith_res, cov_res = score_all(pairs, coverage, faith)
    result = summarise(pairs, faith_res, cov_res)
    elapsed = time.perf_counter() - t0
    result.update({
        "benchmark": "behaviour", "seed": args.seed, "sites": args.sites, "per_dataset": args.per_dataset,
        "lm": args.lm, "data": [str(Path(p).name) for p in data], "n_sources": len(sources),
        "n_variants": len(pairs), "hallucination": faith.signature(), "coverage": coverage.signature(),
        "seconds": {"variants": round(t_variants, 1), "total": round(elapsed, 1)},
        "peak_rss_mb": peak_rss_mb(), "machine": machine(), "code": code_state(),
    })
    print(tables(result["figures"]))
    print(f"\n{len(sources)} faithful summaries, {len(pairs)} variants; {elapsed:.1f} s "
          f"(variants {t_variants:.1f} s); seed {args.seed}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
