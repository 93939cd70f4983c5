"""Bad gold files through ``harness validate``, ``harness score`` and ``harness eval``: every
problem gets a message naming file, line and field (all of a file's problems at once), exit code
2, no traceback."""

from __future__ import annotations

import copy
import json
import time

import pytest

from .conftest import DATA, assert_clean_failure, write_config

GOOD = [json.loads(line) for line in (DATA / "good.jsonl").read_text(encoding="utf-8").splitlines()]


def art(i: int = 0, **changes) -> dict:
    """A deep copy of good article ``i`` with top-level ``changes`` (None deletes the key)."""
    a = copy.deepcopy(GOOD[i])
    for k, v in changes.items():
        if v is None:
            a.pop(k, None)
        else:
            a[k] = v
    return a


def fact(i: int = 0, j: int = 0, **changes) -> dict:
    """Good article ``i`` whose fact ``j`` gets ``changes`` (None deletes the key)."""
    a = art(i)
    for k, v in changes.items():
        if v is None:
            a["facts"][j].pop(k, None)
        else:
            a["facts"][j][k] = v
    return a


def lines(*rows) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows).encode()


def trap(**changes) -> dict:
    a = art(0)
    a["traps"][0].update(changes)
    return a


# (case id, file bytes, places that must be named: "LINE" is replaced by the file name + ":")
CASES = [
    ("truncated-json", lines(art(0), json.dumps(art(1))[:120]), [":2", "invalid JSON"]),
    ("invalid-json-middle", lines(art(0), "{'id': 'x'}", art(1)), [":2", "invalid JSON"]),
    ("trailing-garbage", lines(json.dumps(art(0)) + " ]"), [":1", "invalid JSON"]),
    ("not-an-object", lines(art(0), [1, 2, 3]), [":2", "expected a JSON object"]),
    ("missing-id", lines(art(0, id=None)), [":1", "id", "missing required field"]),
    ("missing-text", lines(art(0, text=None)), [":1", "text", "missing required field"]),
    ("misspelt-field", lines({**art(0, text=None), "txet": GOOD[0]["text"]}), [":1", "txet", "Did you mean 'text'"]),
    ("misspelt-fact-field", lines(fact(0, 1, statement=None, statment="x")), [":1", "facts[1].statment", "Did you mean 'statement'"]),
    ("id-wrong-type", lines(art(0, id=17)), [":1", "id", "must be a string"]),
    ("title-wrong-type", lines(art(0, title=["a"])), [":1", "title", "must be a string"]),
    ("facts-not-list", lines(art(0, facts={"id": "x"})), [":1", "facts", "must be a list"]),
    ("fact-not-object", lines(art(0, facts=["a fact"])), [":1", "facts[0]", "expected an object"]),
    ("importance-string", lines(fact(0, 0, importance="high")), [":1", "facts[0].importance", "1..3"]),
    ("importance-out-of-range", lines(fact(0, 0, importance=7)), [":1", "facts[0].importance"]),
    ("any-of-string", lines(fact(0, 0, any_of="September")), [":1", "facts[0].any_of", "list of strings"]),
    ("any-of-empty-alias", lines(fact(0, 0, any_of=["  "])), [":1", "facts[0].any_of[0]"]),
    ("number-string", lines(fact(0, 1, number="8.5 million")), [":1", "facts[1].number", "must be a number"]),
    ("number-nan", lines(json.dumps(fact(0, 1)).replace("8500000", "NaN")), [":1", "facts[1].number", "finite"]),
    ("duplicate-article-id", lines(art(0), art(1, id=GOOD[0]["id"])), [":2", "duplicate article id", "line 1"]),
    ("duplicate-fact-id", lines(fact(0, 1, id="start")), [":1", "duplicate fact/trap id 'start'"]),
    ("evidence-not-in-article", lines(fact(0, 0, evidence="enters service in October")), [":1", "facts[0].evidence", "not found"]),
    ("empty-text", lines(art(0, text="")), [":1", "text", "must not be empty"]),
    ("whitespace-text", lines(art(0, text=" \n\t ", facts=[], traps=[])), [":1", "text", "must not be empty"]),
    ("empty-body", lines(art(0, body="   ")), [":1", "body", "empty"]),
    ("impossible-published", lines(art(0, published="2025-02-30")), [":1", "published", "2025-02-30"]),
    ("impossible-fact-date", lines(fact(1, 1, date="2025-02-30")), [":1", "facts[1].date", "2025-02-30"]),
    ("week-date", lines(fact(1, 1, date="2025-W18-6")), [":1", "facts[1].date"]),
    ("bad-regex", lines(fact(0, 0, pattern="([a-z")), [":1", "facts[0].pattern", "does not compile"]),
    ("regex-overflow", lines(fact(0, 0, pattern="a{99999999999}")), [":1", "facts[0].pattern", "does not compile"]),
    ("regex-matches-empty", lines(fact(0, 0, pattern="(sept)?")), [":1", "facts[0].pattern", "empty string"]),
    ("trap-bad-regex", lines(trap(pattern="already (certified")), [":1", "traps[0].pattern", "does not compile"]),
    ("trap-unknown-kind", lines(trap(kind="negaton")), [":1", "traps[0].kind", "Did you mean 'negation'"]),
    ("bad-format", lines(art(0, format="pdf")), [":1", "format"]),
    ("control-chars-in-id", lines(art(0, id="ferry\x1b[31m")), [":1", "id", "control characters"]),
    ("non-utf8", lines(art(0)) + b'{"id": "x", "text": "caf\xe9 au lait"}\n', [":2", "UTF-8"]),
    ("deep-nesting", lines(art(0), "[" * 50_000 + "]" * 50_000), [":2", "invalid JSON"]),
    ("huge-integer", lines(fact(0, 1, number=None), '{"id": "n", "text": "x", "facts": [{"id": "a", "statement": "b", "number": '
                                                         + "9" * 6000 + "}]}"), [":2", "invalid JSON"]),
    ("empty-file", b"", ["holds no articles"]),
    ("blank-lines-only", b"\n  \n\n", ["holds no articles"]),
]


@pytest.mark.parametrize("name,data,places", CASES, ids=[c[0] for c in CASES])
def test_bad_gold_validate(cli, tmp_path, name, data, places):
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(data)
    res = cli("validate", path)
    assert_clean_failure(res, str(path), *places)
    assert "FAILED" in res.out


@pytest.mark.parametrize("name,data,places", CASES[:12:3], ids=[c[0] for c in CASES[:12:3]])
def test_bad_gold_score_and_eval(cli, tmp_path, monkeypatch, good_summaries, name, data, places):
    """The same bad gold file stops ``score`` and ``eval`` with the same clean message."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(data)
    res = cli("score", "--gold", path, "--summaries", good_summaries, "--out", tmp_path / "out", "--quiet")
    assert_clean_failure(res, str(path), *places)
    cfg = write_config(tmp_path, f"dataset: {path.name}\nrun_id: r\nmodels:\n  - {{name: lead, backend: lead}}\n")
    res = cli("eval", "--config", cfg, "--quiet")
    assert_clean_failure(res, path.name, *places)


def test_all_problems_of_a_file_at_once(cli, tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_bytes(lines(
        fact(0, 0, evidence="not in the article at all"),   # line 1
        "{broken",                                          # line 2
        fact(1, 1, date="2025-02-30", pattern="(("),        # line 3
        art(1, id=GOOD[0]["id"]),                           # line 4: duplicate of line 1's id? (line 1 invalid)
        art(1, text="   "),                                 # line 5
    ))
    res = cli("validate", path)
    assert_clean_failure(res, f"{path}:1: facts[0].evidence", f"{path}:2:", f"{path}:3: facts[1].date",
                         f"{path}:3: facts[1].pattern", f"{path}:5: text")
    # reported in file order
    err_lines = [ln for ln in res.err.splitlines() if ln.startswith(str(path))]
    nums = [int(ln[len(str(path)) + 1:].split(":")[0]) for ln in err_lines]
    assert nums == sorted(nums)


def test_validate_several_files_reports_each(cli, tmp_path, good_gold):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(lines(art(0, id=None)))
    res = cli("validate", good_gold, bad, tmp_path / "missing.jsonl")
    assert_clean_failure(res, f"{bad}:1: id", "missing.jsonl")
    assert f"{good_gold}: OK" in res.out


def test_missing_gold_file_and_folder_without_articles(cli, tmp_path, good_summaries):
    res = cli("validate", tmp_path / "nope.jsonl")
    assert_clean_failure(res, "nope.jsonl", "no such file")
    res = cli("validate", tmp_path)
    assert_clean_failure(res, "no articles.jsonl")
    res = cli("score", "--gold", tmp_path / "nope.jsonl", "--summaries", good_summaries, "--out", tmp_path / "o")
    assert_clean_failure(res, "nope.jsonl")


@pytest.mark.parametrize("suffix", [".json"])
def test_bad_json_array_gold(cli, tmp_path, suffix):
    path = tmp_path / f"gold{suffix}"
    path.write_text(json.dumps([art(0), fact(1, 0, importance=0)]), encoding="utf-8")
    res = cli("validate", path)
    assert_clean_failure(res, str(path), "[1].facts[0].importance")
    path.write_text('[{"id": "a",\n "text": ', encoding="utf-8")
    res = cli("validate", path)
    assert_clean_failure(res, f"{path}:2", "invalid JSON")
    path.write_text(json.dumps({"articles": []}), encoding="utf-8")
    assert_clean_failure(cli("validate", path), str(path), "list of articles")


# ---------------------------------------------------------------- inputs that must load fine

def test_byte_order_mark_loads(cli, tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (DATA / "good.jsonl").read_bytes())
    res = cli("validate", path)
    assert res.rc == 0, res
    assert "2 articles" in res.out


def test_crlf_and_unicode_line_separators_load(cli, tmp_path):
    """U+2028/U+2029/U+0085 are legal inside JSON strings; only \\n ends a JSONL line."""
    a = art(0)
    a["title"] = "Portwell\u2028ferry\u2029news\x85today"
    path = tmp_path / "seps.jsonl"
    path.write_bytes(lines(a, art(1)).replace(b"\n", b"\r\n"))
    res = cli("validate", path)
    assert res.rc == 0, res
    assert "2 articles" in res.out


def test_five_megabyte_article_loads(cli, tmp_path):
    """A 5 MB article on one line: validated in seconds, no crash."""
    a = art(0)
    filler = "The harbour was quiet that morning and the gulls circled over the pier. " * 70_000
    a["text"] = a["text"] + "\n\n" + filler
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps(a) + "\n", encoding="utf-8")
    assert path.stat().st_size > 5_000_000
    t = time.perf_counter()
    res = cli("validate", path)
    assert res.rc == 0, res
    assert time.perf_counter() - t < 20
