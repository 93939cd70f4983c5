"""Records round-trip through JSON; the gold loader reports every problem with its place."""

from __future__ import annotations

import json

import pytest

from harness.errors import InputError
from harness.gold import dataset_hashes, load_gold, read_gold
from harness.records import FactVerdict, Hallucination, ScoreRecord, Span, score_record_from_json, to_json


def test_score_record_round_trips_through_json():
    rec = ScoreRecord(
        model="m", article_id="a", summary="s", coverage=0.5,
        facts=(FactVerdict("f", "covered", 1.0, Span(0, 1, "s"), "any_of"),),
        hallucinations=(Hallucination(0, 1, "s", "number", trap_id=None, detail="x"),),
        hallucination_rate=1.0, faithful=False, traps_hit=("t",),
    )
    again = score_record_from_json(json.loads(json.dumps(to_json(rec))))
    assert again == rec


def test_tiny_gold_loads_with_typed_records(tiny_gold):
    articles = load_gold(tiny_gold)
    assert [a.id for a in articles] == ["tiny-bridge", "tiny-trial"]
    fact = articles[0].facts[0]
    assert fact.all_of == ("Elm Street", "six weeks") and fact.importance == 3
    assert articles[0].traps[1].kind == "off_article"


def _write(tmp_path, rows):
    p = tmp_path / "g.jsonl"
    p.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return p


def test_every_problem_of_a_file_is_reported_with_line_and_field(tmp_path):
    good = {"id": "a", "text": "Alpha beta gamma.", "facts": [{"id": "f", "statement": "Alpha."}]}
    bad_evidence = {"id": "b", "text": "Alpha.", "facts": [{"id": "f", "statement": "x", "evidence": "Omega"}]}
    bad_types = {"id": "c", "text": "Alpha.", "facts": [{"id": "f", "statement": "x", "importance": 7,
                                                           "date": "2025-02-30", "pattern": "("}]}
    p = _write(tmp_path, [good, "{not json", bad_evidence, bad_types, good, {"id": "d", "txt": "x"}])
    with pytest.raises(InputError) as exc:
        load_gold(p)
    msgs = [str(pr) for pr in exc.value.problems]
    assert any(":2:" in m and "invalid JSON" in m for m in msgs)
    assert any(":3: facts[0].evidence" in m for m in msgs)
    assert any(":4: facts[0].importance" in m for m in msgs)
    assert any(":4: facts[0].date" in m for m in msgs)
    assert any(":4: facts[0].pattern" in m for m in msgs)
    assert any(":5: id" in m and "duplicate article id" in m for m in msgs)
    assert any(":6: txt" in m and "did you mean 'text'" in m.lower() for m in msgs)
    assert any(":6: text" in m and "missing" in m for m in msgs)


def test_alias_absent_from_article_is_a_warning_not_an_error(tmp_path):
    row = {"id": "a", "text": "Riverton council met.", "facts": [{"id": "f", "statement": "x", "any_of": ["Springfield"]}]}
    articles, problems = read_gold(_write(tmp_path, [row]))
    assert len(articles) == 1
    assert [p.severity for p in problems] == ["warning"]


def test_a_hint_looser_than_its_fact_is_a_warning(tmp_path):
    text = ("The Orvel Dam will be raised by four metres, the water board said. Board chair Mira Olsen called it "
            "overdue. Olsen also chairs the regional flood committee.")
    loose = {"id": "chair", "statement": "Board chair Mira Olsen called the project overdue.",
             "evidence": "Board chair Mira Olsen called it overdue.", "any_of": ["Olsen"]}
    tight = {"id": "raise", "statement": "The Orvel Dam will be raised by four metres.",
             "evidence": "The Orvel Dam will be raised by four metres", "any_of": ["Orvel"]}
    _, problems = read_gold(_write(tmp_path, [{"id": "a", "text": text, "facts": [loose, tight]}]))
    # "Olsen" alone covers the fact from the last sentence, which is about something else
    assert [(p.field, p.severity) for p in problems] == [("facts[0]", "warning")]
    assert "Olsen also chairs" in problems[0].message


def test_hashes_change_with_annotations_but_not_order_of_keys(tiny_gold):
    articles = load_gold(tiny_gold)
    h1 = dataset_hashes(articles)
    import dataclasses

    changed = [dataclasses.replace(articles[0], references=("other",)), articles[1]]
    h2 = dataset_hashes(changed)
    assert h1["articles_sha256"] == h2["articles_sha256"]
    assert h1["annotations_sha256"] != h2["annotations_sha256"]
