"""Loading and validating gold annotations (``articles.jsonl``; also JSON, parquet or a Hub
dataset through ``datasets``).

Every problem names the file, line and field, and all problems of a file are reported at once
(:class:`~harness.errors.InputError`). Warnings (a hint alias not found in the article) do not stop
loading; :func:`read_gold` returns them for ``harness validate``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any, Iterable

from .body import extract_body
from .errors import InputError, Problem, did_you_mean
from .records import TRAP_KINDS, Article, GoldFact, Trap, to_json
from .text import fold, parse_iso_date, sentences

_ARTICLE_KEYS = ("id", "title", "url", "published", "format", "text", "body", "facts", "traps", "references")
_FACT_KEYS = ("id", "statement", "importance", "evidence", "any_of", "all_of", "pattern", "date", "number")
_TRAP_KEYS = ("id", "statement", "kind", "evidence", "any_of", "all_of", "pattern", "date", "number")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_json(text: str) -> Any:
    """``json.loads`` whose every failure is a :class:`json.JSONDecodeError`-like ``ValueError``:
    too deep nesting (RecursionError) and over-long integers (ValueError) included."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nesting too deep") from None


def json_error(exc: ValueError) -> str:
    """A short message for a JSON parse failure (with its column when known)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} (column {exc.colno})"
    return f"invalid JSON: {exc}"


def read_utf8(path: Path) -> str:
    """The text of a user's file: a byte-order mark dropped; unreadable or non-UTF-8 bytes are an
    :class:`InputError` naming the line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}: not valid UTF-8",
                         [Problem(str(path), line, None, f"not valid UTF-8 (byte {exc.start})")]) from None


def split_lines(text: str) -> list[str]:
    """Lines of a JSONL file: split on ``\\n`` only (JSON strings may hold U+2028 and other
    characters :meth:`str.splitlines` breaks on), a trailing ``\\r`` dropped."""
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def has_control(value: str) -> bool:
    """True when ``value`` holds a control or other non-printable character (ESC, NUL...)."""
    return not value.isprintable()


def resolve_gold_path(path: str | Path) -> Path:
    """A gold file, or a folder holding ``articles.jsonl``."""
    p = Path(path)
    if p.is_dir():
        candidate = p / "articles.jsonl"
        if not candidate.exists():
            raise InputError(f"{p}: folder has no articles.jsonl")
        return candidate
    if not p.exists():
        raise InputError(f"{p}: no such file or folder")
    return p


def read_rows(path: Path) -> tuple[list[tuple[int | None, Any]], list[Problem]]:
    """Raw rows of a gold file with their line numbers (None where the format has no lines)."""
    problems: list[Problem] = []
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".arrow"):
        try:
            import datasets

            ds = datasets.load_dataset("parquet" if suffix == ".parquet" else "arrow",
                                       data_files=str(path), split="train")
            return [(None, dict(r)) for r in ds], problems
        except ImportError as exc:
            raise InputError(f"{path}: reading {suffix} files needs the 'datasets' package ({exc})") from None
        except Exception as exc:  # noqa: BLE001 - any reader failure is a bad input file
            raise InputError(f"{path}: cannot read as {suffix[1:]}: {type(exc).__name__}: {exc}") from None
    try:
        text = read_utf8(path)
    except InputError as exc:
        return [], exc.problems
    if suffix == ".json":
        try:
            value = parse_json(text)
        except ValueError as exc:
            line = exc.lineno if isinstance(exc, json.JSONDecodeError) else None
            return [], [Problem(str(path), line, None, json_error(exc))]
        if not isinstance(value, list):
            return [], [Problem(str(path), 1, None, "a .json gold file must hold a list of articles")]
        return [(None, v) for v in value], problems
    rows: list[tuple[int | None, Any]] = []
    for lineno, line in enumerate(split_lines(text), 1):
        if not line.strip():
            continue
        try:
            rows.append((lineno, parse_json(line)))
        except ValueError as exc:
            problems.append(Problem(str(path), lineno, None, json_error(exc)))
    if not rows and not problems:
        problems.append(Problem(str(path), None, None, "file holds no articles"))
    return rows, problems


def read_gold(path: str | Path) -> tuple[list[Article], list[Problem]]:
    """Parse and validate a gold set: its articles and every problem (errors and warnings)."""
    if isinstance(path, str) and path.startswith("hf:"):
        return _read_hub(path[3:])
    p = resolve_gold_path(path)
    rows, problems = read_rows(p)
    articles, problems = _parse_rows(str(p), rows, problems)
    return articles, sorted(problems, key=lambda pr: pr.line or 0)


def _read_hub(name: str) -> tuple[list[Article], list[Problem]]:
    try:
        import datasets

        ds = datasets.load_dataset(name, split="train")
        rows = [(None, dict(r)) for r in ds]
    except ImportError as exc:
        raise InputError(f"hf:{name}: reading a Hub dataset needs the 'datasets' package ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - any loader failure is an unusable dataset name
        raise InputError(f"hf:{name}: cannot load the dataset: {type(exc).__name__}: {exc}") from None
    return _parse_rows(f"hf:{name}", rows, [])


def _parse_rows(src: str, rows: list[tuple[int | None, Any]], problems: list[Problem]) -> tuple[list[Article], list[Problem]]:
    articles: list[Article] = []
    seen: dict[str, int | None] = {}
    for index, (lineno, row) in enumerate(rows):
        where = _Where(src, lineno, "" if lineno else f"[{index}]")
        article = _parse_article(row, where, problems)
        if article is None:
            continue
        if article.id in seen:
            first = f"line {seen[article.id]}" if seen[article.id] else "an earlier row"
            problems.append(where.problem("id", f"duplicate article id {article.id!r} (first at {first})"))
            continue
        seen[article.id] = lineno
        articles.append(article)
    return articles, problems


def load_gold(path: str | Path) -> list[Article]:
    """Articles of a gold set; raises :class:`InputError` listing every error (not warnings)."""
    articles, problems = read_gold(path)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(f"{path}: {len(errors)} problem(s) in the gold annotations", errors)
    return articles


def prepare_articles(path: str | Path, limit: int | None = None) -> list[Article]:
    """Load the gold set (the first ``limit`` articles) and extract each article's body."""
    return [extract_body(a) for a in load_gold(path)[:limit]]


class _Where:
    def __init__(self, path: str, line: int | None, prefix: str):
        self.path, self.line, self.prefix = path, line, prefix

    def problem(self, field: str | None, message: str, severity: str = "error") -> Problem:
        name = f"{self.prefix}{'.' if self.prefix and field else ''}{field or ''}" or None
        return Problem(self.path, self.line, name, message, severity)


def _parse_article(row: Any, where: _Where, problems: list[Problem]) -> Article | None:
    if not isinstance(row, dict):
        problems.append(where.problem(None, f"expected a JSON object, got {type(row).__name__}"))
        return None
    before = len(problems)
    for key in row:
        if key not in _ARTICLE_KEYS:
            problems.append(where.problem(key, "unknown field." + did_you_mean(key, _ARTICLE_KEYS)))
    art_id = _string(row, "id", where, problems, required=True)
    if art_id is not None and has_control(art_id):
        problems.append(where.problem("id", f"must not hold control characters: {art_id!r}"))
    text = _string(row, "text", where, problems, required=True)
    body = _string(row, "body", where, problems)
    if body is not None and not body.strip():
        problems.append(where.problem("body", "article body is empty"))
    fmt = _string(row, "format", where, problems) or "text"
    if fmt not in ("text", "html"):
        problems.append(where.problem("format", f"must be 'text' or 'html', got {fmt!r}"))
    title = _string(row, "title", where, problems)
    url = _string(row, "url", where, problems)
    published = _string(row, "published", where, problems)
    if published is not None and not published.strip():
        published = None  # "" means unknown
    if published is not None and not _valid_date(published[:10], published[10:11] in ("", "T", " ")):
        problems.append(where.problem("published", f"not a valid ISO date (YYYY-MM-DD): {published!r}"))
    references = _string_list(row, "references", where, problems)
    facts = _parse_items(row, "facts", GoldFact, _FACT_KEYS, where, problems, text or "")
    traps = _parse_items(row, "traps", Trap, _TRAP_KEYS, where, problems, text or "")
    ids = [i.id for i in (*facts, *traps)]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(where.problem("facts/traps", f"duplicate fact/trap id {dup!r}"))
    if not row.get("facts") and art_id is not None:
        problems.append(where.problem("facts", "article has no facts: its coverage is meaningless", "warning"))
    if any(p.severity == "error" for p in problems[before:]) or art_id is None or text is None:
        return None
    return Article(id=art_id, text=text, title=title or "", url=url or "", published=published, format=fmt,
                   body=body, facts=tuple(facts), traps=tuple(traps), references=tuple(references))


def _parse_items(row: dict, key: str, cls: type, keys: tuple[str, ...], where: _Where,
                 problems: list[Problem], text: str) -> list[Any]:
    value = row.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(where.problem(key, f"must be a list, got {type(value).__name__}"))
        return []
    items = []
    folded: list[str] = []  # fold(text), computed once and only when a hint needs it
    for i, item in enumerate(value):
        sub = _Where(where.path, where.line, f"{where.prefix}{'.' if where.prefix else ''}{key}[{i}]")
        if not isinstance(item, dict):
            problems.append(sub.problem(None, f"expected an object, got {type(item).__name__}"))
            continue
        for k in item:
            if k not in keys:
                problems.append(sub.problem(k, "unknown field." + did_you_mean(k, keys)))
        before = len(problems)
        fields: dict[str, Any] = {
            "id": _string(item, "id", sub, problems, required=True),
            "statement": _string(item, "statement", sub, problems, required=True),
            "any_of": tuple(_string_list(item, "any_of", sub, problems)),
            "all_of": tuple(_string_list(item, "all_of", sub, problems)),
            "pattern": _string(item, "pattern", sub, problems),
            "date": _string(item, "date", sub, problems),
        }
        if fields["id"] is not None and has_control(fields["id"]):
            problems.append(sub.problem("id", f"must not hold control characters: {fields['id']!r}"))
        for hint in ("any_of", "all_of"):
            for j, alias in enumerate(fields[hint]):
                if not any(ch.isalnum() for ch in alias):
                    problems.append(sub.problem(f"{hint}[{j}]", f"holds no word, can never match: {alias!r}"))
        number = item.get("number")
        if number is not None and (isinstance(number, bool) or not isinstance(number, (int, float))):
            problems.append(sub.problem("number", f"must be a number, got {number!r}"))
        elif number is not None and not math.isfinite(number):
            problems.append(sub.problem("number", f"must be a finite number, got {number!r}"))
        fields["number"] = number
        evidence = _string(item, "evidence", sub, problems)
        if cls is GoldFact:
            fields["evidence"] = evidence
            imp = item.get("importance", 1)
            if isinstance(imp, bool) or not isinstance(imp, int) or not 1 <= imp <= 3:
                problems.append(sub.problem("importance", f"must be an integer 1..3, got {imp!r}"))
            fields["importance"] = imp
        else:
            kind = item.get("kind", "unsupported")
            if kind not in TRAP_KINDS:
                problems.append(sub.problem("kind", f"unknown trap kind {kind!r}." + did_you_mean(str(kind), TRAP_KINDS)))
            fields["kind"] = kind
        if evidence is not None and not evidence.strip():
            problems.append(sub.problem("evidence", "must not be empty"))
        elif evidence and evidence not in text:
            problems.append(sub.problem("evidence", f"quote not found in the article text: {evidence[:80]!r}"))
        if fields["pattern"] is not None:
            _check_pattern(fields["pattern"], sub, problems)
        if fields["date"] is not None and not _valid_date(fields["date"]):
            problems.append(sub.problem("date", f"not a valid ISO date (YYYY-MM-DD): {fields['date']!r}"))
        if cls is GoldFact:
            for hint in ("any_of", "all_of"):
                for alias in fields[hint]:
                    if not folded:  # fold() is per character: ASCII text folds by lower()
                        folded.append(text.lower() if text.isascii() else fold(text))
                    if (alias.lower() if alias.isascii() and text.isascii() else fold(alias)) not in folded[0]:
                        problems.append(sub.problem(hint, f"{alias!r} does not appear in the article", "warning"))
        if any(p.severity == "error" for p in problems[before:]) or not fields["id"] or not fields["statement"]:
            continue
        items.append(cls(**fields))
        if cls is GoldFact and items[-1].has_hints and evidence:
            loose = _looser_than_fact(items[-1], text, row.get("published"))
            if loose is not None:
                problems.append(sub.problem(None, f"its hints alone cover it from a sentence that is not its evidence "
                                                  f"({loose[:80]!r}): add the fact's other parts as hints (every hint "
                                                  f"must match) or leave it to the statement", "warning"))
    return items


def _looser_than_fact(fact: GoldFact, text: str, published: Any) -> str | None:
    """The first sentence of ``text`` that the fact's hints and the statement's values
    (:mod:`harness.checkers.atoms`) would take as carrying the fact, though it neither holds the
    fact's evidence nor shares half of the statement's content words (a headline restating the
    fact shares them); None when there is none."""
    from .checkers.atoms import check_atoms, statement_atoms
    from .checkers.context import context_words
    from .checkers.hints import match_hints

    start = text.find(fact.evidence or "")
    end = start + len(fact.evidence or "")
    pub = published if isinstance(published, str) else None
    atoms = statement_atoms(fact.statement, pub, fact.number, fact.date)
    words = context_words(fact.statement)
    for sent in sentences(text):
        if (sent.start < end and start < sent.end) or _restates(words, sent.text):
            continue
        hit = match_hints(fact, sent.text, pub)
        if hit is not None and hit.status == "covered":
            chk = check_atoms(atoms, sent.text, fact.statement, pub)
            if chk.found == chk.total:
                return sent.text
    return None


def _restates(words: frozenset[str], sentence: str) -> bool:
    """Whether ``sentence`` holds at least half of a statement's content words ``words``."""
    from .text import tokens

    have = {t.stem for t in tokens(sentence)}
    return bool(words) and len(words & have) >= 0.5 * len(words)


def _valid_date(value: str, rest_ok: bool = True) -> bool:
    """True for an existing calendar date written exactly ``YYYY-MM-DD``."""
    if not rest_ok or not _ISO_DATE.fullmatch(value):
        return False
    try:
        parse_iso_date(value)
    except ValueError:
        return False
    return True


def _check_pattern(pattern: str, where: _Where, problems: list[Problem]) -> None:
    """A hint pattern must compile and must not match the empty string (it would match every
    summary, the empty one included)."""
    if not pattern.strip():
        problems.append(where.problem("pattern", "must not be empty"))
        return
    try:
        rx = re.compile(pattern, re.IGNORECASE)
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        problems.append(where.problem("pattern", f"regular expression does not compile: {exc}"))
        return
    if rx.search("") is not None:
        problems.append(where.problem("pattern", f"regular expression matches the empty string "
                                                 f"(so it matches every summary): {pattern!r}"))


def _string(row: dict, key: str, where: _Where, problems: list[Problem], required: bool = False) -> str | None:
    value = row.get(key)
    if value is None:
        if required:
            problems.append(where.problem(key, "missing required field"))
        return None
    if not isinstance(value, str):
        problems.append(where.problem(key, f"must be a string, got {type(value).__name__}"))
        return None
    if required and not value.strip():
        problems.append(where.problem(key, "must not be empty"))
        return None
    return value


def _string_list(row: dict, key: str, where: _Where, problems: list[Problem]) -> list[str]:
    value = row.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(where.problem(key, "must be a list of strings"))
        return []
    return list(value)


def dataset_hashes(articles: Iterable[Article]) -> dict[str, str]:
    """sha256 of the articles' texts and of their annotations (facts, traps, references)."""
    texts, gold = hashlib.sha256(), hashlib.sha256()
    for a in articles:
        texts.update(json.dumps([a.id, a.text, a.body], ensure_ascii=False).encode())
        gold.update(json.dumps([a.id, to_json(a.facts), to_json(a.traps), list(a.references)],
                               ensure_ascii=False, sort_keys=True).encode())
    return {"articles_sha256": texts.hexdigest(), "annotations_sha256": gold.hexdigest()}
