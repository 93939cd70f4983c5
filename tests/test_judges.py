"""Judges (harness/judges): an NLI checkpoint built here (random weights, a real ``id2label`` in a
non-standard order, loaded through the real code path) and an LLM judge served by an
OpenAI-compatible server on 127.0.0.1 that answers well, malformed, with a refusal, late, or cut
short. Nothing is downloaded. The article is new (a made-up harbour town)."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.errors import ConfigError, HarnessError
from harness.judges import JudgeError, build_judge
from harness.judges.llm import parse_answer
from harness.records import Article, GoldFact
from http_helpers import send_json

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

BODY = ("The Kessel Bay ferry will stop running on Friday. Harbour master Ilka Moreau said the pier needs "
        "repairs costing 2.4 million crowns. A replacement bus will carry 60 passengers a day.")
SUMMARY = "The Kessel Bay ferry stops on Friday. A bus will carry 60 passengers a day."
ARTICLE = Article(id="kessel", text=BODY, body=BODY, published="2026-03-02",
                  facts=(GoldFact("stop", "The ferry stops running on Friday."),
                         GoldFact("bus", "A replacement bus carries passengers.")))


# ---------------------------------------------------------------------------- the NLI judge
def make_nli(path, favoured: str, labels=("neutral", "ENTAILMENT", "contradiction")):
    """A tiny BERT classifier whose bias makes ``favoured`` (a label name) win on every input."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    words = sorted({w.lower() for w in re.findall(r"\w+", BODY + " " + SUMMARY)})
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]"] + words)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tok = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="[PAD]", unk_token="[UNK]", model_max_length=64)
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=64, num_labels=3,
                     id2label=dict(enumerate(labels)), label2id={n: i for i, n in enumerate(labels)})
    net = BertForSequenceClassification(cfg)
    net.classifier.weight.data.zero_()
    net.classifier.bias.data = torch.tensor([8.0 if n == favoured else 0.0 for n in labels])
    net.save_pretrained(path)
    tok.save_pretrained(path)
    return str(path)


@pytest.fixture(scope="module")
def entailing(tmp_path_factory):
    return make_nli(tmp_path_factory.mktemp("nli-entail"), "ENTAILMENT")


@pytest.fixture(scope="module")
def contradicting(tmp_path_factory):
    return make_nli(tmp_path_factory.mktemp("nli-contra"), "contradiction")


def test_nli_reads_the_label_order_from_the_config(entailing, contradicting):
    yes = build_judge({"kind": "nli", "model": entailing}, "judge")
    no = build_judge({"kind": "nli", "model": contradicting}, "judge")
    [[a, b]] = yes.judge_claims([(BODY, ["The ferry stops on Friday.", "The pier is closed."])])
    assert (a.label, b.label) == ("supported", "supported") and a.probability > 0.99
    assert a.quote in BODY and "entailment 1.00" in a.rationale
    [[c]] = no.judge_claims([(BODY, ["The ferry stops on Friday."])])
    assert c.label == "contradicted" and c.probability < 0.01  # index 2 here, not MNLI's usual 0
    [[f1, f2]] = yes.judge_facts([(SUMMARY, [f.statement for f in ARTICLE.facts])])
    assert f1.label == f2.label == "covered" and f1.quote in SUMMARY
    assert no.judge_facts([(SUMMARY, ["The ferry stops running on Friday."])])[0][0].label == "contradicted"
    assert yes.signature() != no.signature() and yes.signature() == build_judge({"kind": "nli", "model": entailing}, "j").signature()


def test_nli_truncates_explicitly_and_counts(entailing):
    judge = build_judge({"kind": "nli", "model": entailing, "max_length": 12, "max_windows": 2}, "judge")
    judge.judge_claims([(BODY, ["The Kessel Bay ferry will stop running on Friday."])])
    use = judge.usage()
    assert use["pairs"] == 2 and use["truncated_pairs"] == 2  # each window is longer than 12 tokens


def test_nli_without_entailment_and_contradiction_labels_is_refused(tmp_path):
    path = make_nli(tmp_path / "plain", "LABEL_0", labels=("LABEL_0", "LABEL_1", "LABEL_2"))
    with pytest.raises(HarnessError, match="one entailment and one contradiction label"):
        build_judge({"kind": "nli", "model": path}, "judge").judge_claims([(BODY, ["x"])])


def test_judge_config_errors_name_the_key():
    with pytest.raises(ConfigError, match=r"scorers.coverage.judge.kind: must be one of llm, nli"):
        build_judge({"kind": "nil"}, "scorers.coverage.judge")
    with pytest.raises(ConfigError, match=r"scorers.coverage.judge.modle: unknown key"):
        build_judge({"kind": "nli", "model": "x", "modle": "y"}, "scorers.coverage.judge")
    with pytest.raises(ConfigError, match=r"judge.model.prompt: the judge writes its own prompts"):
        build_judge({"kind": "llm", "model": {"backend": "openai", "model": "m", "prompt": "{text}"}}, "judge")


# ---------------------------------------------------------------------------- the LLM judge
def _answer(prompt: str, how: str) -> str:
    key = "claims" if "\nClaims:\n" in prompt else "facts"
    n = len(re.findall(r"^\d+\. ", prompt.split("Answer with")[0], flags=re.M))
    if key == "claims":
        rows = [{"n": i, "supported": i != 2, "kind": None if i != 2 else "number",
                 "source": "A replacement bus will carry 60 passengers a day.", "reason": "checked"}
                for i in range(1, n + 1)]
    else:
        rows = [{"n": i, "status": "covered", "quote": "The Kessel Bay ferry stops on Friday.", "reason": "said"}
                for i in range(1, n + 1)]
    good = json.dumps({key: rows})
    return {"good": "```json\n" + good + "\n```", "malformed": good.replace(":", " ", 1),
            "refusal": "I'm sorry, but I can't help with judging this text.",
            "half": good[: len(good) // 2], "wrongcount": json.dumps({key: rows[:-1]})}[how]


class JudgeServer:
    """Chat completions whose content follows ``script`` (one behaviour per request, then good)."""

    def __init__(self):
        self.script: list[str] = []
        self.prompts: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompt = body["messages"][-1]["content"]
                outer.prompts.append(prompt)
                how = outer.script.pop(0) if outer.script else "good"
                if "refuse-me" in prompt:
                    how = "refusal"
                if how == "hang":
                    time.sleep(1.0)
                data = {"id": "x", "model": "judge-model", "choices": [{"index": 0, "finish_reason": "stop",
                        "message": {"role": "assistant", "content": _answer(prompt, "good" if how == "hang" else how)}}],
                        "usage": {"prompt_tokens": 100, "completion_tokens": 20}}
                send_json(self, 200, data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def served(monkeypatch, tmp_path):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    s = JudgeServer()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def llm(server, **kw):
    model = {"backend": "openai", "model": "judge-model", "base_url": server.url, "timeout": 0.5,
             "max_retries": 0, "backoff": 0.01, **kw}
    return build_judge({"kind": "llm", "model": model}, "scorers.hallucination.judge")


def test_parse_answer_checks_the_schema():
    assert parse_answer('x {"claims": [{"n": 1, "supported": true}]} y', "claims", 1) == [{"n": 1, "supported": True}]
    two = '```json\n{"claims": [{"n": 1, "supported": false}]}\n```\n{"claims": []}'  # a second object after it
    assert parse_answer(two, "claims", 1) == [{"n": 1, "supported": False}]
    for text, why in [("no json here", "no JSON object"), ('{"claims": [', "no JSON object"),
                      ('{"claims": [{"n": 1}, {"n": 3}]}', "expected 2"), ('{"facts": []}', "list under 'claims'"),
                      ('{"claims": [{"n": 2}]}', "expected 1")]:
        with pytest.raises(ValueError, match=why):
            parse_answer(text, "claims", 2 if "n\": 3" in text else 1)


def test_llm_judge_well_formed_answers(served):
    judge = llm(served)
    [[a, b]] = judge.judge_claims([(BODY, ["The ferry stops on Friday.", "The bus carries 90 people."])])
    assert (a.label, b.label, b.kind) == ("supported", "unsupported", "number")
    assert b.quote == "A replacement bus will carry 60 passengers a day."
    [[f]] = judge.judge_facts([(SUMMARY, ["The ferry stops running on Friday."])])
    assert f.label == "covered" and f.quote == "The Kessel Bay ferry stops on Friday."
    assert served.prompts[0].index("Claims:") < served.prompts[0].index("Article:")  # the question first
    use = judge.usage()
    assert use["calls"] == 2 and use["prompt_tokens"] == 200 and use["retries"] == 0
    assert judge.signature().startswith("llm:judge-v1:")


@pytest.mark.parametrize("first", ["malformed", "refusal", "half", "wrongcount", "hang"])
def test_a_bad_answer_is_asked_again_once_with_the_problem_named(served, first):
    served.script = [first]
    judge = llm(served)
    [[a]] = judge.judge_claims([(BODY, ["The ferry stops on Friday."])])
    assert a.label == "supported" and judge.usage()["retries"] == 1
    assert "could not be used" in served.prompts[-1] and "could not be used" not in served.prompts[0]


@pytest.mark.parametrize("bad", ["malformed", "refusal", "half", "hang"])
def test_two_bad_answers_are_a_judge_error_never_a_verdict(served, bad):
    served.script = [bad, bad]
    with pytest.raises(JudgeError, match="no usable answer after a retry"):
        llm(served).judge_claims([(BODY, ["The ferry stops on Friday."])])


# ---------------------------------------------------------------------------- end to end
def _config(tmp_path, served, nli_path):
    config = tmp_path / "judged.yaml"
    config.write_text(
        "dataset: tests/data/tiny.jsonl\nrun_id: judged\n"
        f"output_dir: {tmp_path / 'results'}\n"
        "models:\n  - {name: reference, backend: reference}\n"
        "scorers:\n"
        f"  coverage: {{judge: {{kind: nli, model: {nli_path}}}}}\n"
        f"  hallucination: {{judge: {{kind: llm, model: {{backend: openai, model: judge-model, base_url: '{served.url}', "
        "timeout: 5, max_retries: 0}}}\n", encoding="utf-8")
    return config


def test_eval_with_an_nli_and_an_llm_judge_end_to_end(served, entailing, tmp_path, capsys):
    from harness.cli import main

    assert main(["eval", "--config", str(_config(tmp_path, served, entailing)), "--quiet"]) == 0
    run_dir = tmp_path / "results" / "judged"
    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    assert "judge=nli-v1:" in run["scorers"]["coverage"] and "judge=llm:judge-v1:" in run["scorers"]["faithfulness"]
    assert run["judges"]["faithfulness"]["calls"] >= 2 and run["judges"]["coverage"]["pairs"] > 0
    rows = [json.loads(line) for line in (run_dir / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
    methods = {f["method"] for r in rows for f in r["facts"]}
    assert "judge:nli" in methods  # facts without hints decided by the NLI judge (always entailing here)
    judged = [h for r in rows for h in r["hallucinations"] if h["detail"].startswith("judge (llm)")]
    assert judged and all(h["kind"] == "number" for h in judged)  # the served verdict on each claim 2
    assert all(r["unscored"] is None for r in rows)
    assert "judge (llm)" in (run_dir / "report.md").read_text(encoding="utf-8")


def test_a_judge_that_cannot_answer_leaves_that_summary_unscored(served, entailing, tmp_path, capsys):
    from harness.cli import main

    saved = tmp_path / "saved.jsonl"
    saved.write_text("\n".join(json.dumps({"model": "m", "article_id": a, "summary": s}) for a, s in [
        ("tiny-bridge", "The Riverton council voted to close the Elm Street bridge for six weeks of repairs."),
        ("tiny-trial", "The trial will enrol more patients next year, refuse-me.")]) + "\n", encoding="utf-8")
    code = main(["score", "--config", str(_config(tmp_path, served, entailing)), "--summaries", str(saved),
                 "--out", str(tmp_path / "scored"), "--quiet"])
    assert code == 1  # a summary is unscored
    rows = {r["article_id"]: r for r in map(json.loads, (tmp_path / "scored" / "scores.jsonl").read_text().splitlines())}
    assert rows["tiny-bridge"]["unscored"] is None and rows["tiny-bridge"]["faithful"] is not None
    reason = rows["tiny-trial"]["unscored"]
    assert "JudgeError" in reason and "no usable answer after a retry" in reason and "no JSON object" in reason


def test_meta_eval_measures_a_judged_scorer(entailing, tmp_path, capsys):
    from harness.cli import main

    data = tmp_path / "tiny.dev.jsonl"
    rows = [("a", "The ferry stops on Friday.", 1), ("b", "The ferry stops on Monday after a storm.", 0),
            ("c", "A bus will carry passengers.", 1), ("d", "Mayor Petra Lind closed the pier.", 0)]
    data.write_text("".join(json.dumps({"id": i, "dataset": "kessel", "document": BODY, "summary": s, "label": y}) + "\n"
                            for i, s, y in rows), encoding="utf-8")
    config = tmp_path / "judge.yaml"
    config.write_text(f"scorers:\n  hallucination:\n    judge: {{kind: nli, model: {entailing}}}\n", encoding="utf-8")
    out = tmp_path / "fig.json"
    assert main(["meta-eval", "faithfulness", "--data", str(data), "--judge", str(config), "--json", str(out)]) == 0
    fig = json.loads(out.read_text(encoding="utf-8"))
    assert "judge=nli-v1:" in fig["signature"] and fig["unscored"] == 0
    # the entailing judge supports every claim without a typed finding; "Monday" and "mayor" are
    # typed findings (a date and a name the article lacks), so those two are flagged whatever it says;
    # a and c are judged, and supported
    assert fig["datasets"]["kessel"]["balanced_accuracy"] == 1.0
    inline = main(["meta-eval", "faithfulness", "--data", str(data), "--judge", "{kind: nli, model: " + entailing + "}"])
    assert inline == 0
    with pytest.raises(ConfigError, match="no judge for the hallucination scorer"):
        from harness.commands.meta_eval import judge_spec
        judge_spec("{seed: 1}", "hallucination")


@pytest.mark.parametrize("example", ["judge-nli", "judge-llm"])
def test_the_example_configs_run_end_to_end(example, served, entailing, tmp_path, capsys):
    """Each shipped example, pointed at the tiny NLI folder or the local server, over two articles."""
    from harness.cli import main

    point = ([f"scorers.{s}.judge.model={entailing}" for s in ("coverage", "hallucination")] if example == "judge-nli"
             else [f"scorers.{s}.judge.model.base_url={served.url}" for s in ("coverage", "hallucination")])
    args = ["eval", "--config", f"configs/{example}.example.yaml", "--limit", "2", "--quiet",
            "--set", f"output_dir={tmp_path}"] + [a for p in point for a in ("--set", p)]
    assert main(args) == 0
    run = json.loads((tmp_path / f"{example}-example" / "run.json").read_text(encoding="utf-8"))
    kind = example.split("-")[1]
    assert all(f"judge={kind}" in sig for sig in run["scorers"].values())
    rows = [json.loads(line) for line in (tmp_path / f"{example}-example" / "scores.jsonl").read_text().splitlines()]
    assert any(f["method"] == f"judge:{kind}" for r in rows for f in r["facts"])


@pytest.mark.slow
def test_smollm2_through_the_hf_backend_answers_or_fails_cleanly(tmp_path, monkeypatch):
    """A real (tiny) chat model as the judge: each item ends in valid judgements or in a
    JudgeError naming the problem; tokens and calls are counted either way."""
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    judge = build_judge({"kind": "llm", "model": {"backend": "hf", "preset": "smollm2-135m-instruct",
                                                  "max_new_tokens": 200}}, "judge")
    try:
        [[a, b]] = judge.judge_claims([(BODY, ["The ferry stops on Friday.", "The repairs cost 3 million crowns."])])
        assert {a.label, b.label} <= {"supported", "unsupported"}
    except JudgeError as exc:
        assert "no usable answer after a retry" in str(exc)
        assert judge.usage()["retries"] == 1 and judge.usage()["failed"] == 1
    use = judge.usage()
    assert use["calls"] in (1, 2) and use["new_tokens"] > 0 and use["prompt_tokens"] > 0
    assert judge.signature().startswith("llm:judge-v1:")
