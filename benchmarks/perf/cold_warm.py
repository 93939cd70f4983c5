"""Cold run versus warm rerun (generation cache) of a config, whole process each time:

    python benchmarks/perf/cold_warm.py --config configs/default.yaml [--config configs/models.yaml]

The cold run uses an empty cache folder (HARNESS_CACHE_DIR), the warm rerun the same folder."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import ROOT, emit  # noqa: E402


def run(config: str, cache_dir: str, out_dir: str, run_id: str) -> float:
    env = {**os.environ, "HARNESS_CACHE_DIR": cache_dir}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "harness", "eval", "--config", config, "--quiet",
                    "--set", f"output_dir={out_dir}", "--set", f"run_id={run_id}"],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", action="append", required=True)
    args = ap.parse_args()
    result, rows = {}, []
    for config in args.config:
        with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
            cold = run(config, cache, out, "cold")
            warm = run(config, cache, out, "warm")
            same = open(f"{out}/cold/scores.jsonl", "rb").read() == open(f"{out}/warm/scores.jsonl", "rb").read()
        result[config] = {"cold_s": round(cold, 2), "warm_s": round(warm, 2),
                          "speedup": round(cold / warm, 1), "identical_scores": same}
        rows.append([config, round(cold, 2), round(warm, 2), round(cold / warm, 1), same])
    emit("cold_warm", result, rows, ["config", "cold s", "warm s", "speedup", "identical scores"])


if __name__ == "__main__":
    main()
