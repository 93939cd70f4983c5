"""Bad run configurations through ``harness eval``: unknown keys with "did you mean" (also
inside ``models[i]`` and ``scorers.<name>``), wrong types, missing files, unknown backends and
scorers, unsafe YAML tags (refused, never executed), run folders escaping the results folder,
bad ``--set`` paths. Each: clean message, exit 2, no traceback, nothing written."""

from __future__ import annotations

import shutil

import pytest

from harness.config import load_config
from harness.errors import ConfigError

from .conftest import DATA, assert_clean_failure, run_subprocess, write_config

HEAD = "dataset: good.jsonl\nbootstrap: 20\n"
MODELS = "models:\n  - {name: lead-1, backend: lead, sentences: 1}\n"

# (case id, config text, extra argv, places named in the message)
CASES = [
    ("unknown-top-key", HEAD + MODELS + "modles: []\n", [], ["modles", "Did you mean 'models'"]),
    ("misspelt-seed", HEAD + MODELS + "sed: 3\n", [], ["sed", "Did you mean 'seed'"]),
    ("unknown-backend-param", HEAD + "models:\n  - {name: a, backend: lead, sentnces: 2}\n", [],
     ["models[0].sentnces", "Did you mean 'sentences'"]),
    ("unknown-param-second-model", HEAD + MODELS + "  - {name: b, backend: reference, indx: 1}\n", [],
     ["models[1].indx", "Did you mean 'index'"]),
    ("backend-param-wrong-type", HEAD + "models:\n  - {name: a, backend: lead, sentences: two}\n", [],
     ["models[0].sentences", "must be int", "'two'"]),
    ("scorer-param-wrong-type", HEAD + MODELS + "scorers:\n  coverage: {covered_threshold: high}\n", [],
     ["scorers.coverage.covered_threshold", "'high'"]),
    ("missing-backend-param", HEAD + "models:\n  - {name: a, backend: file}\n", [], ["models[0]", "'path'"]),
    ("unknown-scorer-param", HEAD + MODELS + "scorers:\n  coverage: {no_such_param: 1}\n", [],
     ["scorers.coverage.no_such_param", "unknown key"]),
    ("unknown-scorer", HEAD + MODELS + "scorers: {covrage: {}}\n", [], ["covrage", "Did you mean 'coverage'"]),
    ("scorer-params-not-mapping", HEAD + MODELS + "scorers: {coverage: 3}\n", [], ["scorers.coverage", "mapping"]),
    ("unknown-backend", HEAD + "models:\n  - {name: a, backend: leed}\n", [], ["models[0].backend", "Did you mean 'lead'"]),
    ("missing-backend", HEAD + "models:\n  - {name: a}\n", [], ["models[0].backend", "Available"]),
    ("models-not-list", HEAD + "models: lead\n", [], ["models", "list"]),
    ("models-empty", HEAD + "models: []\n", [], ["models", "non-empty"]),
    ("model-not-mapping", HEAD + "models: [lead]\n", [], ["models[0]", "mapping"]),
    ("model-name-path", HEAD + "models:\n  - {name: ../x, backend: lead}\n", [], ["models[0].name"]),
    ("model-name-newline", HEAD + 'models:\n  - {name: "a\\n", backend: lead}\n', [], ["models[0].name"]),
    ("duplicate-model-name", HEAD + MODELS + "  - {name: lead-1, backend: reference}\n", [], ["models[1].name", "duplicate"]),
    ("seed-string", HEAD + MODELS + "seed: abc\n", [], ["seed", "must be int"]),
    ("seed-negative", HEAD + MODELS + "seed: -1\n", [], ["seed", "at least 0"]),
    ("bootstrap-float", "dataset: good.jsonl\nbootstrap: 1.5\n" + MODELS, [], ["bootstrap", "must be int"]),
    ("limit-zero", HEAD + MODELS + "limit: 0\n", [], ["limit", "at least 1"]),
    ("cache-string", HEAD + MODELS + "cache: sometimes\n", [], ["cache", "must be bool"]),
    ("seed-null", HEAD + MODELS + "seed:\n", [], ["seed", "null"]),
    ("input-bad", HEAD + MODELS + "input: html\n", [], ["input"]),
    ("dataset-wrong-type", "dataset: [a, b]\n" + MODELS, [], ["dataset", "must be str"]),
    ("dataset-missing-key", MODELS, [], ["missing key 'dataset'"]),
    ("dataset-file-missing", "dataset: nowhere.jsonl\n" + MODELS, [], ["dataset", "nowhere.jsonl"]),
    ("top-level-list", "- dataset: good.jsonl\n", [], ["top level must be a mapping"]),
    ("invalid-yaml", HEAD + "models:\n  - {name: a, backend: lead\n", [], [":5", "invalid YAML"]),
    ("duplicate-yaml-key", HEAD + MODELS + "seed: 1\nseed: 2\n", [], [":6", "duplicate key 'seed' (first on line 5)"]),
    ("tab-indentation", HEAD + "models:\n\t- {name: a, backend: lead}\n", [], ["invalid YAML"]),
    ("run-id-escape", HEAD + MODELS + "run_id: ../../etc\n", [], ["run_id", "no paths"]),
    ("run-id-absolute", HEAD + MODELS + "run_id: /tmp/x\n", [], ["run_id"]),
    ("run-id-dotdot", HEAD + MODELS + "run_id: ..\n", [], ["run_id"]),
    ("output-dir-escape", HEAD + MODELS + "output_dir: ../../escaped\n", [], ["output_dir", ".."]),
    ("name-escape", HEAD + MODELS + "name: ../../escaped\n", [], ["name", "path separators"]),
    ("set-index-out-of-range", HEAD + MODELS, ["--set", "models.5.name=x"], ["--set models.5.name", "not an index"]),
    ("set-last-index-out-of-range", HEAD + MODELS, ["--set", "models.3={name: z, backend: lead}"], ["--set models.3", "not an index"]),
    ("set-into-scalar", HEAD + MODELS, ["--set", "bootstrap.x=1"], ["--set bootstrap.x", "not a mapping"]),
    ("set-key-into-list", HEAD + MODELS, ["--set", "models.first=1"], ["--set models.first"]),
    ("set-no-equals", HEAD + MODELS, ["--set", "seed"], ["--set 'seed'", "KEY=VALUE"]),
    ("set-empty-part", HEAD + MODELS, ["--set", "models..name=x"], ["--set models..name", "empty part"]),
    ("set-unknown-key", HEAD + MODELS, ["--set", "sede=4"], ["sede", "Did you mean 'seed'"]),
    ("set-unknown-param", HEAD + MODELS, ["--set", "models.0.sentnces=2"], ["models[0].sentnces", "Did you mean 'sentences'"]),
    ("set-bad-type", HEAD + MODELS, ["--set", "seed=many"], ["seed", "must be int"]),
    ("cli-limit-negative", HEAD + MODELS, ["--limit", "-1"], ["--limit", "at least 1"]),
]


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A folder holding the good gold set, used as the current folder (results land here)."""
    root = tmp_path / "inside" / "work"
    root.mkdir(parents=True)
    shutil.copy(DATA / "good.jsonl", root / "good.jsonl")
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("name,text,argv,places", CASES, ids=[c[0] for c in CASES])
def test_bad_config(cli, work, name, text, argv, places):
    cfg = write_config(work, text, f"{name}.yaml")
    res = cli("eval", "--config", cfg, "--quiet", *argv)
    assert_clean_failure(res, *places)
    if not argv:
        assert str(cfg) in res.err
    assert not (work / "results").exists(), "nothing runs when the config is bad"
    assert not (work.parent / "escaped").exists() and not (work.parent.parent / "escaped").exists()


def test_good_config_still_runs(cli, work, stub_scorers):
    cfg = write_config(work, HEAD + MODELS + "run_id: ok\n", "ok.yaml")
    res = cli("eval", "--config", cfg, "--quiet", "--set", "models.0.sentences=2", "--set", "seed=3")
    assert res.rc == 0, res
    assert (work / "results" / "ok" / "run.json").is_file()


def test_default_run_name_from_an_odd_file_name_stays_inside(cli, work, stub_scorers):
    cfg = write_config(work, HEAD + MODELS, "my config (v2).yaml")
    res = cli("eval", "--config", cfg, "--quiet")
    assert res.rc == 0, res
    made = list((work / "results").iterdir())
    assert len(made) == 1 and made[0].name.startswith("my-config-v2-")


def test_missing_config_and_folder_as_config(cli, work):
    assert_clean_failure(cli("eval", "--config", work / "nope.yaml"), "nope.yaml", "not found")
    assert_clean_failure(cli("eval", "--config", work), str(work), "folder")


def test_non_utf8_config(cli, work):
    cfg = work / "latin1.yaml"
    cfg.write_bytes(b"dataset: good.jsonl\nname: caf\xe9\n" + MODELS.encode())
    assert_clean_failure(cli("eval", "--config", cfg), str(cfg), "UTF-8")


UNSAFE = [
    '!!python/object/apply:os.system ["touch {marker}"]',
    '!!python/object/new:os.system ["touch {marker}"]',
    '!!python/object/apply:subprocess.check_call [["touch", "{marker}"]]',
    '!!python/name:os.system',
]


@pytest.mark.parametrize("tag", UNSAFE, ids=["apply", "new", "subprocess", "name"])
def test_unsafe_yaml_tags_are_refused_never_executed(cli, work, tag):
    marker = work / "pwned"
    cfg = write_config(work, HEAD + MODELS + f"gate: {tag.format(marker=marker)}\n", "unsafe.yaml")
    res = cli("eval", "--config", cfg, "--quiet")
    assert_clean_failure(res, str(cfg), "invalid YAML")
    assert not marker.exists()
    # the same tag in a --set value is taken as a plain string, never constructed
    cfg = write_config(work, HEAD + MODELS, "safe.yaml")
    res = cli("eval", "--config", cfg, "--quiet", "--set", f"run_id={tag.format(marker=marker)}")
    assert_clean_failure(res, "run_id")
    assert not marker.exists()


def test_unsafe_yaml_in_a_real_process(work):
    marker = work / "pwned-subprocess"
    cfg = write_config(work, f'dataset: good.jsonl\nmodels: !!python/object/apply:os.system ["touch {marker}"]\n')
    proc = run_subprocess("eval", "--config", cfg, "--quiet", cwd=work)
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr and b"invalid YAML" in proc.stderr
    assert not marker.exists()


def test_load_config_raises_only_config_errors(work):
    for text in ["{", "[1, 2", "a: b: c", "? [a]\n: 1\n", "&a [*a]", "x: !!binary AAAA===\n", "\x00"]:
        cfg = write_config(work, text, "x.yaml")
        with pytest.raises(ConfigError):
            load_config(cfg)
