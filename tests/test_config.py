"""Config errors: every problem of a config is reported in one pass, each naming its key path."""

from __future__ import annotations

import pytest

from harness.config import load_config
from harness.errors import ConfigError

TWO_TYPOS_AND_MORE = """\
dataset: tests/data/tiny.jsonl
models:
  - {name: a, backend: lead, sentense: 2}
  - {name: b, backend: leed}
  - {name: a, backend: reference}
scorers:
  coverage: {thresold: 0.5}
  hallucination: {window: three}
seeed: 1
bootstrap: -1
"""


def test_every_problem_is_reported_at_once(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(TWO_TYPOS_AND_MORE, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    lines = str(err.value).splitlines()
    assert lines[0] == "7 problems:"
    for expected in ("seeed: unknown key. Did you mean 'seed'?", "models[0].sentense: unknown key",
                     "models[1].backend: unknown summarizer backend 'leed'", "models[2].name: duplicate",
                     "scorers.coverage.thresold: unknown key", "scorers.hallucination.window: must be int",
                     "bootstrap: must be at least 0"):
        assert sum(expected in line for line in lines) == 1, expected


def test_one_problem_is_reported_as_before(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("dataset: tests/data/tiny.jsonl\nmodels:\n  - {name: a, backend: lead}\nseeed: 1\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^.*c\.yaml: seeed: unknown key\. Did you mean 'seed'\?"):
        load_config(path)
