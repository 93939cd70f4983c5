"""Body extraction: separate the article body from the page furniture around it (menus,
newsletter prompts, news-feed items, related-story teasers).

HTML pages go through ``trafilatura``; text pages through a line-based filter: the body is the
longest run of prose paragraphs separated only by blank lines (short subheadings allowed between
them), with lines that carry furniture cues ("Subscribe", "News Feed", "* indicates required"...)
never counted as prose. Whatever is not body is kept as ``Article.furniture``.
"""

from __future__ import annotations

import dataclasses
import re

from .records import Article

_FURNITURE_CUES = re.compile(
    r"subscribe|newsletter|indicates required|news feed|more news|editors'? picks|skip to content"
    r"|pre-order|sign up|sign in|log in|advertisement|read more|related:|share this|email address"
    r"|cookie|all rights reserved|follow us|download (the|our) app|min read|^\s*\d{1,2}:\d{2}\s*(am|pm)?\s*$"
    r"|successfully subscribed|thank you for signing up|created with ai assistance|^menu$|^home$"
    r"|^\s*(trending|latest|most read|popular|top stories|in brief|watch|listen)\s*$"
    r"|\bupdated\b.{0,20}\d{1,2}[:.]\d{2}"
    r"|^\s*(monday|tuesday|wednesday|thursday|friday|saturday|sunday),? \w+ \d{1,2},? \d{4}",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^\s*[Bb]y [A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){1,3}\s*(\||·|—|$)")
_PROSE_END = re.compile(r"""[.!?]["'”’)\]]*$|[.!?]\s*\(.*\)$""")


def _is_prose(line: str) -> bool:
    words = line.split()
    return (len(words) >= 8 and bool(_PROSE_END.search(line.strip())) and not _FURNITURE_CUES.search(line)
            and not _BYLINE.search(line))


def _is_short_sentence(line: str) -> bool:
    """A short closing sentence ("No one was hurt.") that may end or sit inside a body."""
    return (len(line.split()) >= 3 and bool(_PROSE_END.search(line.strip()))
            and not _FURNITURE_CUES.search(line) and not _BYLINE.search(line))


def _is_subheading(line: str) -> bool:
    words = line.split()
    return 1 <= len(words) <= 8 and not _FURNITURE_CUES.search(line) and not line.strip().endswith(("…", "..."))


def split_text_page(text: str) -> tuple[str, list[str]]:
    """(body, furniture blocks) of a plain-text page."""
    lines = text.splitlines()
    runs: list[tuple[int, int, int]] = []  # (chars, first, last) line indexes of prose runs
    i = 0
    while i < len(lines):
        if not _is_prose(lines[i]):
            i += 1
            continue
        first = last = i
        j = i + 1
        while j < len(lines):
            line = lines[j]
            if not line.strip():
                j += 1
            elif _is_prose(line) or _is_short_sentence(line):
                last = j
                j += 1
            elif _is_subheading(line):
                k = j + 1
                while k < len(lines) and not lines[k].strip():
                    k += 1
                if k < len(lines) and _is_prose(lines[k]):
                    j = k
                else:
                    break
            else:
                break
        chars = sum(len(lines[x]) for x in range(first, last + 1))
        runs.append((chars, first, last))
        i = j if j > i else i + 1
    if not runs:
        return text.strip(), []
    _, first, last = max(runs, key=lambda r: (r[0], -r[1]))
    body = "\n".join(lines[first:last + 1]).strip()
    body = re.sub(r"\n\s*\n+", "\n\n", body)
    furniture = _blocks(lines[:first]) + _blocks(lines[last + 1:])
    return body, furniture


def _blocks(lines: list[str]) -> list[str]:
    blocks, current = [], []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def split_html_page(html: str) -> tuple[str, list[str]]:
    """(body, furniture blocks) of an HTML page, via trafilatura."""
    import trafilatura

    body = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True) or ""
    full = trafilatura.html2txt(html) or ""
    kept = {line.strip() for line in body.splitlines() if line.strip()}
    furniture = [line.strip() for line in full.splitlines() if line.strip() and line.strip() not in kept]
    return body.strip(), furniture


def extract_body(article: Article) -> Article:
    """``article`` with ``body`` (kept when the annotation gives one) and ``furniture`` filled."""
    if article.format == "html":
        body, furniture = split_html_page(article.text)
    else:
        body, furniture = split_text_page(article.text)
    if article.body:
        body = article.body
        furniture = [b for b in furniture if b not in body]
    return dataclasses.replace(article, body=body or article.text.strip(), furniture=tuple(furniture))
