"""The matching step of spaCy's attribute ruler, by lookup instead of a token-pattern matcher.

en_core_web_sm's ``attribute_ruler`` sets POS, morphology and some lemmas from 180 token
patterns (tag map, pronoun and auxiliary exceptions). spaCy runs them through its general
``Matcher``, which tries every pattern at every token: on summary sentences that is 0.3 s in
every 1.6 s of parsing. The patterns are one or two tokens, each token a few attribute tests,
so each can be indexed by one value it requires (a tag, a lower-cased form, a dependency):
a token then meets only the handful that can match it. :func:`index_matches` finds the same
matches, and the ruler's own ``set_annotations`` applies them in the ruler's order, so the
annotations are the ruler's exactly. A pattern outside what this reads (another attribute, an
operator such as ``OP``) leaves the ruler as it is."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Callable

COLUMNS = ("LOWER", "TAG", "DEP", "IS_SPACE")
"""Pattern keys understood: the token attributes read, in the order ``Doc.to_array`` gives them."""
INDEX_KEYS = ("LOWER", "TAG", "DEP")
"""Keys a pattern can be indexed by, most selective first."""

Test = Callable[[list[int]], bool]
"""A test of one token, given its row of :data:`COLUMNS` values (string hashes, 0/1)."""


def index_matches(ruler: Any) -> bool:
    """Make ``ruler`` (a spaCy ``AttributeRuler``) find its matches by lookup. Returns False,
    leaving it unchanged, when one of its patterns uses something this does not read."""
    table = _Table.build(ruler)
    if table is None:
        return False
    ruler.match = table.match
    return True


def _test(key: str, spec: Any, strings: Any) -> Test | None:
    """The test a token's row must pass for ``{key: spec}`` (None: not understood)."""
    if key not in COLUMNS:
        return None
    col = COLUMNS.index(key)
    if not isinstance(spec, dict):
        want = int(spec) if isinstance(spec, bool) else strings[spec]
        return lambda row: row[col] == want
    if len(spec) != 1 or key == "IS_SPACE":
        return None
    (op, arg), = spec.items()
    if op == "IN":
        allowed = frozenset(strings[v] for v in arg)
        return lambda row: row[col] in allowed
    if op == "NOT_IN":
        barred = frozenset(strings[v] for v in arg)
        return lambda row: row[col] not in barred
    if op == "REGEX":
        search = re.compile(arg).search
        return lambda row: search(strings[row[col]]) is not None
    return None


def _index_values(token_spec: dict[str, Any]) -> tuple[str, list[str]] | None:
    """The key and the values by which a pattern whose first token is ``token_spec`` is
    found (one of them is required); None when no key requires a value."""
    for key in INDEX_KEYS:
        spec = token_spec.get(key)
        if isinstance(spec, str):
            return key, [spec]
        if isinstance(spec, dict) and list(spec) == ["IN"]:
            return key, list(spec["IN"])
    return None


_Pattern = tuple[int, list[list[Test]]]
"""A pattern: its id in the ruler, and the tests of each of its tokens."""

ROWS_KEPT = 50_000
"""Distinct token rows whose one-token matches a table keeps (then it starts afresh)."""


class _Table:
    """The ruler's patterns, indexed by a value (a string hash) their first token requires.
    Which patterns a token can start depends on its row alone, so that is looked up once per
    distinct row; a longer pattern then tests the tokens after it."""

    def __init__(self, ruler: Any) -> None:
        self.ruler = ruler
        self.by_value: list[dict[int, list[_Pattern]]] = [defaultdict(list) for _ in INDEX_KEYS]
        self.anywhere: list[_Pattern] = []
        self.by_row: dict[tuple[int, ...], list[_Pattern]] = {}

    @classmethod
    def build(cls, ruler: Any) -> "_Table | None":
        table = cls(ruler)
        strings = ruler.vocab.strings
        for attr_id, entry in enumerate(ruler.patterns):
            for pattern in entry["patterns"]:
                tests = [[_test(k, v, strings) for k, v in tok.items()] for tok in pattern]
                if not pattern or any(t is None for tok in tests for t in tok):
                    return None
                found = (attr_id, tests)
                where = _index_values(pattern[0])
                if where is None:
                    table.anywhere.append(found)  # type: ignore[arg-type] - no None left
                else:
                    key, values = where
                    for v in values:
                        table.by_value[INDEX_KEYS.index(key)][strings[v]].append(found)  # type: ignore[arg-type]
        table.by_value = [dict(d) for d in table.by_value]
        return table

    def _started(self, row: list[int]) -> list[_Pattern]:
        """The patterns whose first token a token of ``row`` matches."""
        key = tuple(row)
        hit = self.by_row.get(key)
        if hit is None:
            groups = [*(by_value.get(row[k], ()) for k, by_value in enumerate(self.by_value)), self.anywhere]
            hit = [p for group in groups for p in group if all(t(row) for t in p[1][0])]
            if len(self.by_row) >= ROWS_KEPT:
                self.by_row.clear()
            self.by_row[key] = hit
        return hit

    def match(self, doc: Any) -> list[tuple[int, int, int, int]]:
        """The ruler's matches on ``doc``, as its ``match`` gives them: (pattern id, match id,
        start, end), sorted, so later patterns win."""
        rows = doc.to_array(list(COLUMNS)).tolist() if len(doc) else []
        out = set()
        for i, row in enumerate(rows):
            for attr_id, tests in self._started(row):
                end = i + len(tests)
                if end == i + 1 or (end <= len(rows) and all(
                        test(rows[i + k]) for k in range(1, len(tests)) for test in tests[k])):
                    out.add((attr_id, i, end))
        strings = self.ruler.vocab.strings
        return sorted((attr_id, strings[str(attr_id)], s, e) for attr_id, s, e in out)
