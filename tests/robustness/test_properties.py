"""Property-based tests (hypothesis) over the loaders and the scorers' protocol.

Scorers are tested only through ``score(article, summary)`` -> CoverageResult /
FaithfulnessResult (their internals change): no exception on arbitrary text, values in bounds,
the empty summary covers nothing, the body as summary hallucinates nothing, the same input twice
gives byte-identical output. Loaders raise nothing but their own error types on any bytes, refuse
exactly what is unreadable, and return what the file holds. Each test states its property in its
docstring."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, example, given, settings, strategies as st

from harness.config import load_config
from harness.errors import ConfigError, HarnessError, InputError
from harness.gold import load_gold, read_gold
from harness.records import (FACT_STATUSES, HALLUCINATION_KINDS, Article, CoverageResult,
                             FaithfulnessResult, GoldFact, Trap, to_json)
from harness.results import read_jsonl
from harness.scorers.coverage import FactCoverageScorer
from harness.scorers.hallucination import HallucinationScorer
from harness.summarizers.file import read_summaries

SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])
LOADER_SETTINGS = settings(SETTINGS, max_examples=40)

WORDS = [
    "The", "the", "ferry", "Portwell", "harbour", "Ilse", "Marten", "said", "on", "in", "not", "no",
    "March", "May", "may", "Sept.", "3", "3rd", "14", "2025", "1999", "1.5", "8.5", "1,000", "0.5",
    "million", "bn", "percent", "%", "five", "forty-two", "twenty one", "half", "U.S.", "Mr.", "Dr",
    "A1.5", "O'Neil", "Reyes's", "café", "Ünal", "İstanbul", "straße", "ﬁve", "2025-03-18",
    "2025-02-30", "ALL", "CAPS", "Prime", "Minister", "of", "New", "York", ".", ",", "!", "?", ";",
    ":", "\n", "\n\n", "(", ")", '"', "“", "”", "’", "—", "-", "*", "[", "]", "<b>", "$", "€",
    "\t", "\u2028", "\x00", "\x1b[31m", "٣", "二", "🙂",
]
wordy = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join)
any_text = st.one_of(wordy, st.text(max_size=150), st.text(alphabet=string.printable, max_size=150))
nonblank = any_text.filter(lambda t: t.strip() != "")


@st.composite
def gold_facts(draw, body: str):
    n = draw(st.integers(0, 4))
    facts = []
    body_words = [w for w in body.split() if any(ch.isalnum() for ch in w)] or ["ferry"]
    for i in range(n):
        facts.append(GoldFact(
            id=f"f{i}", statement=draw(nonblank), importance=draw(st.integers(1, 3)),
            any_of=tuple(draw(st.lists(st.sampled_from(body_words), max_size=2))),
            all_of=tuple(draw(st.lists(st.sampled_from(body_words), max_size=3))),
            date=draw(st.none() | st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}")),
            number=draw(st.none() | st.integers(-10, 10**7) | st.floats(0, 1e9, allow_nan=False)),
        ))
    return tuple(facts)


@st.composite
def articles(draw, with_traps: bool = True):
    body = draw(nonblank)
    facts = draw(gold_facts(body))
    traps = ()
    if with_traps:
        traps = tuple(Trap(id=f"t{i}", statement=draw(nonblank),
                           any_of=tuple(draw(st.lists(st.sampled_from(WORDS[:40]), max_size=2))))
                      for i in range(draw(st.integers(0, 2))))
    return Article(id="a", text=body, body=body, facts=facts, traps=traps)


def check_coverage(result, article, summary):
    assert isinstance(result, CoverageResult)
    assert 0.0 <= result.coverage <= 1.0
    assert [v.id for v in result.facts] == [f.id for f in article.facts]
    for v in result.facts:
        assert v.status in FACT_STATUSES and 0.0 <= v.score <= 1.0
        if v.evidence is not None:
            assert 0 <= v.evidence.start <= v.evidence.end <= len(summary)
            assert v.evidence.text == summary[v.evidence.start:v.evidence.end]


def check_faithfulness(result, article, summary):
    assert isinstance(result, FaithfulnessResult)
    assert 0.0 <= result.hallucination_rate <= 1.0 and 0.0 <= result.probability <= 1.0
    assert result.n_claims >= 0
    assert set(result.traps_hit) <= {t.id for t in article.traps}
    for h in result.hallucinations:
        assert h.kind in HALLUCINATION_KINDS
        assert 0 <= h.start <= h.end <= len(summary)
        assert h.text == summary[h.start:h.end]
        assert 0.0 <= h.score <= 1.0


@SETTINGS
@given(article=articles(), summary=any_text)
def test_scorers_accept_any_text_and_stay_in_bounds(article, summary):
    """Any article and summary text: both scorers return their result type with every value in
    [0, 1] (coverage, fact scores, hallucination rate, probability), one verdict per gold fact in
    the gold order, trap ids from the article only, and every span equal to the summary text at
    its offsets."""
    check_coverage(FactCoverageScorer().score(article, summary), article, summary)
    check_faithfulness(HallucinationScorer().score(article, summary), article, summary)


@settings(SETTINGS, max_examples=8)
@given(article=articles(), summaries=st.lists(any_text, min_size=1, max_size=3))
def test_batch_scoring_equals_one_by_one(article, summaries):
    """``score_many`` on several summaries gives the same results, byte for byte in JSON, as
    ``score`` on each alone: a summary's scores do not depend on its batch mates."""
    for scorer in (FactCoverageScorer(), HallucinationScorer()):
        batch = scorer.score_many([(article, s) for s in summaries])
        single = [scorer.score(article, s) for s in summaries]
        assert json.dumps(to_json(batch)) == json.dumps(to_json(single))


@SETTINGS
@given(article=articles())
def test_empty_summary_covers_nothing(article):
    """An empty or blank summary covers no fact (coverage 0, every fact missing with score 0)
    and has no hallucination and hits no trap: there is nothing in it to match."""
    items = [(article, empty) for empty in ("", " ", "\n\n")]
    for cov in FactCoverageScorer().score_many(items):
        assert cov.coverage == 0.0
        assert all(v.status == "missing" and v.score == 0.0 for v in cov.facts)
    for faith in HallucinationScorer().score_many(items):
        assert faith.hallucinations == () and faith.traps_hit == ()


@pytest.mark.xfail(reason="hallucination scorer: a name glued to a decimal ('A1.5') or split by "
                          "characters outside its word pattern is not found in the very body it "
                          "came from", strict=False)
@settings(SETTINGS, phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking: it may fail
@given(article=articles(with_traps=False))
@example(article=Article(id="a", text="The A1.5", body="The A1.5"))
def test_body_as_summary_hallucinates_nothing(article):
    """The article's own body as its summary states nothing the article lacks: no
    hallucination, rate 0, faithful (known to fail on odd tokens, see the xfail reason)."""
    faith = HallucinationScorer().score(article, article.body)
    assert faith.hallucinations == (), faith.hallucinations
    assert faith.hallucination_rate == 0.0 and faith.faithful


@SETTINGS
@given(body=wordy.filter(lambda t: t.strip() != ""))
def test_body_as_summary_hallucinates_nothing_on_plain_prose(body):
    """The same canary on text made of ordinary words and punctuation only: the body as its own
    summary has no hallucination."""
    plain = " ".join(w for w in body.split(" ") if w.isascii() and (w.isalpha() or w in ".,;:!?" or w.isdigit()))
    assume(plain.strip())
    article = Article(id="a", text=plain, body=plain)
    faith = HallucinationScorer().score(article, plain)
    assert faith.hallucinations == (), faith.hallucinations


@settings(SETTINGS, max_examples=8)
@given(article=articles(), summary=any_text)
def test_same_input_twice_gives_identical_output(article, summary):
    """Determinism: the same article and summary scored twice by one scorer, and once by a
    fresh one, give byte-identical JSON (no state carried between calls)."""
    for cls in (FactCoverageScorer, HallucinationScorer):
        scorer = cls()
        first = json.dumps(to_json(scorer.score(article, summary)), sort_keys=True)
        again = json.dumps(to_json(scorer.score(article, summary)), sort_keys=True)
        fresh = json.dumps(to_json(cls().score(article, summary)), sort_keys=True)
        assert first == again == fresh


# ---------------------------------------------------------------- loaders

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
FIELDS = ["id", "title", "url", "published", "format", "text", "body", "facts", "traps", "references",
          "statement", "importance", "evidence", "any_of", "all_of", "pattern", "date", "number", "kind"]
field_values = json_values | st.sampled_from(["2025-02-30", "2025-03-18", "([", "x*", "a", "", " ", "text", "html",
                                               "entity", 0, 3, 1.5, True])
fact_like = st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=8)
article_like = st.fixed_dictionaries(
    {"id": st.text(max_size=5) | json_values, "text": st.sampled_from(["A ferry said a.", "", " "]) | json_values},
    optional={k: field_values for k in FIELDS[1:10] if k != "text"} | {"facts": st.lists(fact_like, max_size=3),
                                                        "traps": st.lists(fact_like, max_size=2)})


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


NOT_JSON = object()


def _utf8(data: bytes) -> str | None:
    """The text of ``data`` as the readers decode it (one leading byte-order mark dropped), or
    None when it is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


@LOADER_SETTINGS
@given(data=st.binary(max_size=300))
def test_gold_loader_on_arbitrary_bytes(tmp_path, data):
    """Any bytes: ``read_gold`` raises nothing and every problem it lists names the file and, if
    any, a line the file has; bytes that are not UTF-8 are an error and give no article;
    ``load_gold`` returns exactly ``read_gold``'s articles when it lists no error, and otherwise
    raises :class:`InputError` carrying exactly its errors (warnings left out)."""
    path = _write(tmp_path, "g.jsonl", data)
    articles, problems = read_gold(path)
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        assert p.path == str(path) and p.message and p.severity in ("error", "warning")
        assert p.line is None or 1 <= p.line <= data.count(b"\n") + 1, p
    if _utf8(data) is None:
        assert errors and articles == []
    try:
        loaded = load_gold(path)
    except InputError as exc:
        assert errors and exc.problems == errors
    else:
        assert not errors and loaded == articles


@LOADER_SETTINGS
@given(rows=st.lists(article_like | json_values, min_size=1, max_size=4), as_array=st.booleans())
def test_gold_loader_on_arbitrary_json(tmp_path, rows, as_array):
    """Any JSON rows (as .jsonl lines or a .json list): ``load_gold`` either raises
    :class:`InputError` whose every problem names the file and says what is wrong, or returns
    articles each with a non-blank id and text."""
    if as_array:
        path = _write(tmp_path, "g.json", json.dumps(rows).encode())
    else:
        path = _write(tmp_path, "g.jsonl", "".join(json.dumps(r) + "\n" for r in rows).encode())
    try:
        articles = load_gold(path)
    except InputError as exc:
        assert exc.problems or str(exc)
        for p in exc.problems:
            assert p.path == str(path) and p.message
        return
    for a in articles:
        assert isinstance(a, Article) and a.id.strip() and a.text.strip()


@LOADER_SETTINGS
@given(data=st.binary(max_size=300) | st.lists(json_values, max_size=4).map(
    lambda rows: "".join(json.dumps(r) + "\n" for r in rows).encode()))
def test_summaries_and_results_readers_on_arbitrary_bytes(tmp_path, data):
    """Any bytes: both readers refuse (:class:`InputError`) bytes that are not UTF-8, and only
    those or lines that are not JSON objects. What they return is read off the file:
    ``read_summaries`` gives each summary the model, article id and text of the JSON object on
    its line, and a file with no summary has at least one problem; ``read_jsonl`` returns the
    object of every line that holds one, in order, and refuses a line only if it holds no JSON
    object (only a last line cut short, with no newline, is skipped without an error)."""
    path = _write(tmp_path, "s.jsonl", data)
    text = _utf8(data)
    if text is None:
        for read in (read_summaries, lambda p: list(read_jsonl(p))):
            with pytest.raises(InputError, match="not valid UTF-8"):
                read(path)
        return
    lines = text.split("\n")

    def parsed(lineno: int) -> object:
        try:
            return json.loads(lines[lineno - 1])
        except (ValueError, RecursionError):
            return NOT_JSON

    rows, problems = read_summaries(path)
    assert rows or problems
    assert [n for n, _ in rows] == sorted({n for n, _ in rows})
    for lineno, summary in rows:
        obj = parsed(lineno)
        assert (summary.model, summary.article_id, summary.text) == (obj["model"], obj["article_id"], obj["summary"])
    objects = [n for n, line in enumerate(lines, 1) if line.strip() and isinstance(parsed(n), dict)]
    try:
        got = list(read_jsonl(path))
    except InputError as exc:
        assert exc.problems and all(not isinstance(parsed(p.line), dict) for p in exc.problems), exc
        return
    assert [n for n, _ in got] == objects
    assert all(json.dumps(obj) == json.dumps(parsed(n)) for n, obj in got)  # dumps: NaN == NaN
    for n, line in enumerate(lines, 1):  # accepted: a line with no object is the cut-short last one
        assert not line.strip() or isinstance(parsed(n), dict) or (n == len(lines) and parsed(n) is NOT_JSON)


yaml_texts = st.text(max_size=200) | st.lists(
    st.sampled_from(["dataset: x.jsonl", "models:", "  - {name: a, backend: lead}", "  - name: b",
                     "    backend: leed", "seed: -3", "scorers: {coverage: 1}", "run_id: ../x", "!!python/name:os.system",
                     "&a [*a, *a]", "gate: {max: .nan}", "limit: 1e3", "? [x]", ": y", "\t- z", "---", "...",
                     "cache: yes", "name: ''", "output_dir: /"]),
    max_size=8).map("\n".join)


@LOADER_SETTINGS
@given(text=yaml_texts, overrides=st.lists(st.text(max_size=20), max_size=2))
def test_config_loader_raises_only_config_errors(tmp_path, text, overrides):
    """Any YAML-ish text and ``--set`` overrides: ``load_config`` either returns a config or
    raises :class:`ConfigError` / :class:`InputError` (never another error, never a traceback)."""
    path = _write(tmp_path, "c.yaml", text.encode("utf-8", "surrogatepass"))
    (tmp_path / "x.jsonl").write_text("{}\n")
    try:
        load_config(path, overrides)
    except HarnessError as exc:
        assert isinstance(exc, ConfigError) or isinstance(exc, InputError)
