"""The ``textrank`` backend: a graph-based extractive baseline (TextRank, Mihalcea & Tarau 2004).

Sentences of the article body are the nodes; two sentences are linked with the TextRank
similarity ``|common content stems| / (log|S1| + log|S2|)``; PageRank (networkx, damping 0.85)
ranks them and the ``sentences`` best are returned in document order. Deterministic, no model.
Config: ``{backend: textrank, name: textrank, sentences: 3}``.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from ..errors import ConfigError
from ..records import Article, Summary
from ..text import content_stems, sentences as split_sentences

VERSION = 1
"""Bump when the algorithm changes (part of the identity, so cached outputs are not reused)."""


def similarity(a: list[str], b: list[str]) -> float:
    """TextRank's sentence similarity: shared distinct stems over the log lengths."""
    common = len(set(a) & set(b))
    if common == 0 or len(a) < 2 or len(b) < 2:
        return 0.0 if common == 0 else common / (math.log(len(a) + 1) + math.log(len(b) + 1))
    return common / (math.log(len(a)) + math.log(len(b)))


def rank(texts: Sequence[str], damping: float = 0.85) -> list[float]:
    """PageRank score of each sentence in ``texts`` (uniform when the graph has no edges)."""
    import networkx as nx

    stems = [content_stems(t) for t in texts]
    graph = nx.Graph()
    graph.add_nodes_from(range(len(texts)))
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            w = similarity(stems[i], stems[j])
            if w > 0:
                graph.add_edge(i, j, weight=w)
    if graph.number_of_edges() == 0:
        return [1.0 / max(len(texts), 1)] * len(texts)
    scores = nx.pagerank(graph, alpha=damping, weight="weight", tol=1e-10, max_iter=500)
    return [float(scores[i]) for i in range(len(texts))]


class TextRankSummarizer:
    """The ``sentences`` highest-ranked body sentences, in document order."""

    cacheable = False
    """Cheap and deterministic: run again rather than cached."""

    def __init__(self, name: str = "textrank", sentences: int = 3, damping: float = 0.85):
        """sentences: how many to pick. damping: PageRank's damping factor."""
        if int(sentences) < 1:
            raise ConfigError(f"models.{name}.sentences: must be >= 1")
        if not 0.0 < float(damping) < 1.0:
            raise ConfigError(f"models.{name}.damping: must be between 0 and 1")
        self.name = name
        self.sentences = int(sentences)
        self.damping = float(damping)

    def identity(self) -> dict[str, Any]:
        return {"backend": "textrank", "version": VERSION, "sentences": self.sentences,
                "damping": self.damping}

    def summarize(self, articles: Sequence[Article]) -> list[Summary]:
        return [self._one(a) for a in articles]

    def _one(self, article: Article) -> Summary:
        body = article.body if article.body is not None else article.text
        spans = split_sentences(body)
        scores = rank([s.text for s in spans], self.damping)
        # Highest score first; ties go to the earlier sentence (deterministic).
        best = sorted(range(len(spans)), key=lambda i: (-round(scores[i], 12), i))[: self.sentences]
        chosen = sorted(best)
        meta: dict[str, Any] = {"sentence_indices": chosen, "input_chars_seen": len(body),
                                "truncated_tokens": 0}
        text = " ".join(spans[i].text for i in chosen)
        if not text:
            meta["error"] = "the article body has no sentences"
        return Summary(self.name, article.id, text, meta)
