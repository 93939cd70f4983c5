"""Hallucination detection, claim by claim, with the kind of error and the source evidence.

Every summary is split into claims (sentences, and clauses where a sentence joins several);
each claim is aligned to the body sentences that best support it and checked for names,
numbers and dates the body never states, negation / modality flips and wrong speakers against
its supporting sentences, content the page furniture supports but the body does not
(``off_article``), and the gold traps (by their hints, else by their statement). A small
logistic model shipped in ``harness/data/faithfulness_model.json`` (fitted by
``harness refit faithfulness`` on public dev data; see its provenance) turns the features into
the probability that the summary is faithful. Its features include the likelihood judge's
(:mod:`harness.checkers.faithfulness.likelihood`: how much more probable SmolLM2 finds each claim after
reading its evidence) when the scorer is given ``lm`` (``lm: smollm2-135m-instruct``, as in
``configs/default.yaml`` and the meta-evaluation); without one it needs no LM and uses the lexical
weights in ``faithfulness_model_lexical.json``.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any, Sequence

from ..checkers.faithfulness.checks import checks_signature
from ..checkers.faithfulness.evidence import (Analysis, ClaimCheck, analyse_many, prefetch as prefetch_embeddings,
                                              story)
from ..checkers.faithfulness.likelihood import (LM_FEATURES, TOKEN_FEATURES, LikelihoodJudge, as_summary_features,
                                                check_dtype, evidence_text, resolve)
from ..checkers.faithfulness.traps import trap_hits
from ..encoder import VERSION as ENCODER_VERSION
from ..errors import ConfigError, HarnessError
from ..logistic import probability
from ..judges import Judgement, build_judge
from ..records import Article, FaithfulnessResult, Hallucination
from ..text import BODIES_CACHED, fold
from .faithfulness_weights import load_weights, model_band, require_fitted_lm, shipped_model_path

VERSION = "claims-v44"
HARD_KINDS = ("trap", "off_article", "entity", "number", "date", "negation", "modality")
"""Finding kinds that make a summary unfaithful whatever the model says: a typed check that
found a value, a name or a polarity the article does not state (or states otherwise). On the six
dev sets without the judge, number findings were already always ruled unfaithful by the model,
and ruling negation and modality flips so moved the mean balanced accuracy by +0.0004 (0.6919 ->
0.6923); attribution findings (half of them on faithful summaries) stay soft."""
JUDGE_CUT = 0.5
"""With a ``judge:``, the support probability below which a claim (and its summary) fails."""


def predict(model: dict[str, Any], features: dict[str, float]) -> float:
    """Probability of faithfulness under ``model`` for one feature dict."""
    return probability(features, model["features"], model["coef"], model["intercept"],
                       model["mean"], model["scale"])


def rule_hard(prob: float, hard: bool, threshold: float) -> float:
    """``prob`` held just below ``threshold`` when the summary has a hard finding (it is then
    unfaithful whatever the model says)."""
    return min(prob, 0.99 * threshold) if hard else prob


def _check_band(band: Sequence[float], *thresholds: float) -> tuple[float, float]:
    """``band`` as (low, high), or a :class:`ConfigError` unless it is two numbers in [0, 1] that
    hold every threshold (else a skipped summary could land on the wrong side of one)."""
    try:
        low, high = (float(v) for v in band)
    except (TypeError, ValueError):
        raise ConfigError(f"scorers.hallucination.judge_band: {band!r} is not [low, high]") from None
    if not 0.0 <= low <= min(thresholds) <= max(thresholds) <= high <= 1.0:
        raise ConfigError(f"scorers.hallucination.judge_band: [{low:g}, {high:g}] must lie in [0, 1] and hold "
                          f"the thresholds {', '.join(f'{t:.4f}' for t in thresholds)}")
    return low, high


def has_hard_finding(an: Analysis) -> bool:
    """Whether a claim check found what makes a summary unfaithful whatever the model says
    (:data:`HARD_KINDS`: a name or value the article lacks or states otherwise, a flipped polarity,
    content only the page furniture supports); traps are matched later."""
    return any(c.furniture is not None or any(f.kind in HARD_KINDS for f in c.findings) for c in an.claims)


def claim_features(chk: ClaimCheck, summary_features: dict[str, float]) -> dict[str, float]:
    """A claim's features in the summary-level feature space (the claim judged on its own)."""
    f = chk.features
    lm = as_summary_features({k: f["lm_" + k] for k in TOKEN_FEATURES}) if "lm_pmi" in f else {}
    return lm | {
        "min_cos": f["cos"], "mean_cos": f["cos"], "min_lex_window": f["lex_window"],
        "min_lex_doc": f["lex_doc"], "max_novel_bigrams": f["novel_bigrams"],
        "mean_novel_bigrams": f["novel_bigrams"], "novel_words": math.log1p(f["novel_words"]),
        "names": f["names"], "numbers": f["numbers"], "dates": f["dates"], "negation": f["negation"],
        "modality": f["modality"], "attribution": f["attribution"],
        "log_claims": summary_features["log_claims"],
        "names_elsewhere": f["names_elsewhere"], "numbers_elsewhere": f["numbers_elsewhere"],
        "min_name_context": f["name_context"], "min_number_context": f["number_context"],
        "mean_lex_window": f["lex_window"], "mean_lex_doc": f["lex_doc"],
    }


class HallucinationScorer:
    """Claim-level hallucination detection with typed errors and a calibrated summary verdict.

    Parameters (config keys): ``model_path`` (weights JSON; None = the shipped file),
    ``threshold`` (probability below which a summary is unfaithful; None = the shipped one),
    ``window`` (source sentences that may jointly support a claim), ``candidates`` (lexical
    candidates per claim that are compared by embedding), ``trap_similarity`` (cosine above
    which a claim makes a trap's statement, for traps without hints), ``lm`` (the likelihood
    judge's model, a preset name such as ``smollm2-135m-instruct`` or a local causal LM, with
    the weights fitted with it; unset or ``none`` = no judge, the lexical weights, and about 3x
    the speed), ``lm_dtype`` (float32 | bfloat16), ``judge_band`` ([low, high]: with a judge, only
    the summaries whose lexical-only verdict has a probability in this band are read by the LM; the
    others keep the lexical verdict. Default: the weights file's own band, :func:`model_band`),
    ``judge`` (a stronger judge, NLI or LLM, that decides the claims no typed check flags, in
    place of the weights: :mod:`harness.judges`).
    """

    role = "faithfulness"

    def __init__(self, model_path: str | None = None, threshold: float | None = None, window: int = 3,
                 candidates: int = 4, trap_similarity: float = 0.6, lm: str | None = None,
                 lm_dtype: str = "float32", judge_band: Sequence[float] | None = None,
                 judge: dict[str, Any] | None = None):
        self.claim_judge = build_judge(judge, "scorers.hallucination.judge") if judge is not None else None
        lm = resolve(lm) if self.claim_judge is None else None
        check_dtype(lm_dtype)
        self.model_path = str(model_path or shipped_model_path(lm is not None))
        self.model, self.model_hash = load_weights(self.model_path)
        needs_lm = any(f in LM_FEATURES for f in self.model["features"])
        if needs_lm and lm is None:
            raise HarnessError(f"faithfulness model {self.model_path} weighs the likelihood judge's features, "
                               "but no lm is given (lm: smollm2-135m-instruct)")
        self.judge = LikelihoodJudge(lm, lm_dtype) if needs_lm and lm is not None else None
        self.threshold = float(self.model["threshold"] if threshold is None else threshold)
        self.judge_band = (0.0, 1.0)
        self.lexical: tuple[dict[str, Any], float] | None = None
        """With a judge: the lexical weights and their threshold, which give every summary its first verdict."""
        self.lexical_hash: str | None = None
        if self.judge is not None:
            lexical, self.lexical_hash = load_weights(str(shipped_model_path(lm=False)))
            self.lexical = (lexical, float(lexical["threshold"]))
            band = judge_band if judge_band is not None else model_band(self.model)
            self.judge_band = _check_band(band, self.threshold, self.lexical[1])
        self._weights_checked = False
        self.window = int(window)
        self.candidates = int(candidates)
        self.trap_similarity = float(trap_similarity)

    def signature(self) -> str:
        """Settings that affect the numbers."""
        return (f"hallucination:{VERSION}|weights={self.model_hash}|threshold={self.threshold:.4f}"
                f"|window={self.window}|candidates={self.candidates}|trap_sim={self.trap_similarity}"
                f"|minilm-l6-v2:{ENCODER_VERSION}+en_core_web_sm" + checks_signature()
                + (f"|lm={self.judge.identity()}|judge_band={self.judge_band[0]:g}-{self.judge_band[1]:g}"
                   f"|lexical={self.lexical_hash}" if self.judge else "")
                + (f"|judge={self.claim_judge.signature()}" if self.claim_judge else ""))

    def analysis_signature(self) -> str:
        """Settings that affect the claim analyses and features (of :meth:`analyse_many`), not
        the weights, threshold or verdict rules: what a refit's features depend on."""
        return (f"hallucination-analysis:{VERSION}|window={self.window}|candidates={self.candidates}"
                f"|minilm-l6-v2:{ENCODER_VERSION}+en_core_web_sm" + checks_signature()
                + (f"|lm={self.judge.identity()}" if self.judge else ""))

    def judge_usage(self) -> dict[str, float] | None:
        """The configured judge's calls, tokens and seconds (None without a ``judge:``)."""
        return self.claim_judge.usage() if self.claim_judge is not None else None

    def score(self, article: Article, summary: str) -> FaithfulnessResult:
        """Hallucinations, traps hit and the summary verdict for one summary."""
        return self.score_many([(article, summary)])[0]

    def analyse_many(self, items: Sequence[tuple[Article, str]], progress: Any = None,
                     judge: bool = True) -> list[Analysis]:
        """The claim checks and features (no verdict) for every (article, summary), the likelihood
        judge's included when the weights use them (and ``judge`` is true)."""
        analyses = analyse_many(items, window=self.window, k_candidates=self.candidates,
                                progress=None if self.judge and judge else progress)
        if self.judge is not None and judge:
            self._judge(items, analyses, progress)
        return analyses

    def _judge(self, items: Sequence[tuple[Article, str]], analyses: Sequence[Analysis], progress: Any = None) -> None:
        """Add the likelihood judge's features to each analysis (of the matching item)."""
        judged = self.judge.judge([
            (evidence_text(story(a), [c.evidence.sentences for c in an.claims],
                           self.judge.evidence_per_claim), s,
             [(c.claim.start, c.claim.end) for c in an.claims]) for (a, s), an in zip(items, analyses)],
            progress=progress)
        for an, (summary_lm, claims_lm) in zip(analyses, judged):
            an.features.update(summary_lm)
            for chk, values in zip(an.claims, claims_lm):
                chk.features.update({"lm_" + k: v for k, v in values.items()})

    def check_weights(self) -> None:
        """A :class:`ConfigError` when the weights were fitted on another LM's features than the
        judge gives (their provenance names the LM). Verdicts need this; features do not, so a
        refit for a new LM builds its scorer with the old weights and never calls it."""
        if self.judge is not None and not self._weights_checked:
            require_fitted_lm(self.model, self.model_path, self.judge)
            self._weights_checked = True

    def prefetch(self, items: Sequence[tuple[Article, str]]) -> None:
        """Start encoding what :meth:`score_many` of ``items`` will embed, in the helper process,
        while this process scores something else."""
        prefetch_embeddings(items, k_candidates=self.candidates)

    def score_many(self, items: Sequence[tuple[Article, str]], progress: Any = None) -> list[FaithfulnessResult]:
        """:meth:`score` for each (article, summary), batching the model calls. With a judge, every
        summary gets the lexical verdict first, and those whose probability lies in the judge band
        are then read by the LM and get the judged verdict; a summary with a hard finding
        (:data:`HARD_KINDS`) is unfaithful whatever the judge says, so it keeps the lexical one."""
        self.check_weights()
        items = list(items)
        analyses = self.analyse_many(items, progress=None if self.judge else progress, judge=False)
        trap_sims = self._statement_traps(items, analyses)
        if self.claim_judge is not None:
            return self._judged(items, analyses, trap_sims)
        first = self.lexical or (None, None)
        out = [self._verdict(a, s, an, ts, *first) for (a, s), an, ts in zip(items, analyses, trap_sims)]
        if self.judge is None:
            return out
        low, high = self.judge_band
        todo = [k for k, r in enumerate(out) if low <= r.probability <= high and not _ruled(r)]
        if progress is not None:
            progress.update(len(items) - len(todo))
        self._judge([items[k] for k in todo], [analyses[k] for k in todo], progress)
        for k in todo:
            out[k] = self._verdict(*items[k], analyses[k], trap_sims[k])
        return out

    # ------------------------------------------------------------------ internals
    def _judged(self, items: list[tuple[Article, str]], analyses: list[Analysis],
                trap_sims: list[dict]) -> list[FaithfulnessResult]:
        """Verdicts with the configured judge deciding each claim that no typed check flags and
        that is not copied from the body word for word."""
        asked: list[list[int]] = []
        for (article, _), an, ts in zip(items, analyses, trap_sims):
            body = _squash(story(article))
            asked.append([j for j, c in enumerate(an.claims) if not c.findings and c.furniture is None
                          and j not in ts and not _is_quoted(c.claim.text, body)])
        got = self.claim_judge.judge_claims([
            (story(a), [an.claims[j].claim.text for j in ask])
            for (a, _), an, ask in zip(items, analyses, asked)])
        out = []
        for (article, summary), an, ts, ask, row in zip(items, analyses, trap_sims, asked, got):
            judged: list[Judgement | None] = [None] * len(an.claims)
            for j, judgement in zip(ask, row):
                judged[j] = judgement
            out.append(self._verdict(article, summary, an, ts, judged=judged))
        return out

    def _statement_traps(self, items: list[tuple[Article, str]], analyses: list[Analysis]) -> list[dict]:
        """Per item: {claim index: (similarity, trap)} for traps without hints."""
        todo = [k for k, (a, _) in enumerate(items) if any(not t.has_hints for t in a.traps) and analyses[k].claims]
        out: list[dict] = [{} for _ in items]
        if not todo:
            return out
        from ..resources import embed

        texts = sorted({c.claim.text for k in todo for c in analyses[k].claims}
                       | {t.statement for k in todo for t in items[k][0].traps if not t.has_hints})
        vecs = embed(texts)
        vec = {t: vecs[i] for i, t in enumerate(texts)}
        for k in todo:
            for j, chk in enumerate(analyses[k].claims):
                for trap in items[k][0].traps:
                    if trap.has_hints:
                        continue
                    sim = float(vec[chk.claim.text] @ vec[trap.statement])
                    if sim >= self.trap_similarity and sim > chk.alignment.cos and sim > out[k].get(j, (0.0,))[0]:
                        out[k][j] = (sim, trap)
        return out

    def _verdict(self, article: Article, summary: str, an: Analysis, trap_sims: dict,
                 model: dict[str, Any] | None = None, threshold: float | None = None,
                 judged: Sequence[Judgement | None] | None = None) -> FaithfulnessResult:
        """The verdict under ``model`` and ``threshold`` (default: the scorer's own), or with
        ``judged`` (a judge's judgement per claim, None where it was not asked) under the judge's
        probabilities, cut at 0.5."""
        model = self.model if model is None else model
        threshold = self.threshold if threshold is None else threshold
        found: list[Hallucination] = []
        bad_claims: set[int] = set()
        if judged is None:
            prob = predict(model, an.features)
            claim_probs = [predict(model, claim_features(c, an.features)) for c in an.claims]
        else:
            threshold = JUDGE_CUT
            claim_probs = [1.0 if jd is None else jd.probability for jd in judged]
            prob = min(claim_probs, default=1.0)
        body = _squash(story(article))
        verbatim = [_is_quoted(chk.claim.text, body) for chk in an.claims]
        for j, (chk, cp) in enumerate(zip(an.claims, claim_probs)):
            c = chk.claim
            if verbatim[j]:  # a claim copied from the body is supported, whatever the model says
                cp = max(cp, threshold)
            for f in chk.findings:
                found.append(Hallucination(f.start, f.end, summary[f.start:f.end], f.kind, round(1.0 - cp, 6),
                                           source_evidence=f.evidence or chk.evidence.best or None, detail=f.detail))
            if chk.furniture is not None:
                found.append(Hallucination(c.start, c.end, c.text, "off_article", 1.0,
                                           source_evidence=chk.furniture[1],
                                           detail="supported by page furniture, not by the article body"))
            if j in trap_sims:
                sim, trap = trap_sims[j]
                found.append(Hallucination(c.start, c.end, c.text, "trap", round(sim, 6), trap_id=trap.id,
                                           source_evidence=chk.evidence.best or None, detail=trap.statement))
            if cp < threshold and not chk.findings and chk.furniture is None and j not in trap_sims:
                found.append(self._unsupported(chk, cp) if judged is None or judged[j] is None
                             else judged[j].finding(chk.claim, chk.evidence.best, self.claim_judge.kind))
            if cp < threshold or chk.findings or chk.furniture is not None or j in trap_sims:
                bad_claims.add(j)
        hits, trapped = trap_hits(article, summary, an.claims)
        found += hits
        bad_claims |= trapped
        found = _dedupe(found)
        hard = any(h.kind in HARD_KINDS for h in found)
        if an.claims and all(verbatim) and not found:
            prob = max(prob, threshold)
        prob = rule_hard(prob, hard, threshold)
        faithful = prob >= threshold
        if not faithful and not found and an.claims:
            j = min(range(len(an.claims)), key=lambda i: (claim_probs[i], i))
            found.append(self._unsupported(an.claims[j], claim_probs[j]))
            bad_claims.add(j)
        traps_hit = tuple(dict.fromkeys(h.trap_id for h in found if h.trap_id))
        n = len(an.claims)
        return FaithfulnessResult(
            hallucinations=tuple(found), hallucination_rate=round(len(bad_claims) / n, 6) if n else 0.0,
            faithful=faithful, probability=round(prob, 6), n_claims=n, traps_hit=traps_hit,
        )

    def _unsupported(self, chk: ClaimCheck, cp: float) -> Hallucination:
        c, a = chk.claim, chk.alignment
        words = [c.text[s:e] for s, e in a.novel[:5]]
        detail = (f"weakly supported (best cosine {a.cos:.2f}, {a.lex_window:.0%} of its content words "
                  f"in the best source sentences)")
        if words:
            detail += "; not in the article: " + ", ".join(repr(w) for w in words)
        return Hallucination(c.start, c.end, c.text, "unsupported", round(1.0 - cp, 6),
                             source_evidence=chk.evidence.best or None, detail=detail)


def _ruled(result: FaithfulnessResult) -> bool:
    """Whether a verdict is fixed by a hard finding, whatever a model says."""
    return any(h.kind in HARD_KINDS for h in result.hallucinations)


@lru_cache(maxsize=BODIES_CACHED)
def _squash(text: str) -> str:
    """Folded text with whitespace runs collapsed, for verbatim comparison (memoised: the same
    body is squashed for every model's summary)."""
    return " ".join(fold(text).split())


def _is_quoted(claim: str, body_squashed: str) -> bool:
    """True when ``claim`` (four words or more, leading conjunction and edge punctuation dropped)
    appears word for word in the body."""
    norm = _squash(claim).strip(" ,;:.!?\"'")
    norm = re.sub(r"^(and|but|or|while|as|so)\s+", "", norm)
    return len(norm.split()) >= 4 and norm in body_squashed


def _dedupe(found: list[Hallucination]) -> list[Hallucination]:
    out: list[Hallucination] = []
    for h in sorted(found, key=lambda h: (h.start, -h.end, h.kind != "trap", h.kind)):
        if any(o.start <= h.start and h.end <= o.end and o.kind == h.kind and o.trap_id == h.trap_id for o in out):
            continue
        out.append(h)
    return out
