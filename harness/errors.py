"""Expected errors: they print a clear message naming the place and exit with a code, no traceback.

Bugs are not wrapped: they keep their traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file: where it is and what is wrong."""

    path: str
    """The file (or config key path's file)."""
    line: int | None
    """1-based line number, when the file is line-oriented."""
    field: str | None
    """The field or key path, e.g. ``facts[2].evidence``."""
    message: str
    severity: str = "error"
    """``error`` or ``warning``."""

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.severity}: {self.message}"


class HarnessError(Exception):
    """An expected failure (bad input, missing file, unusable run). Exit code 2 by default."""

    exit_code = 2

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = list(problems or [])

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  {p}" for p in self.problems)


class InputError(HarnessError):
    """A user's file (gold set, summaries, config) is malformed; every problem is listed."""


class ConfigError(HarnessError):
    """The run configuration is invalid."""


def did_you_mean(name: str, choices: list[str] | tuple[str, ...]) -> str:
    """A 'Did you mean X? Available: ...' suffix for an unknown name."""
    import difflib

    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"{hint} Available: {', '.join(sorted(choices))}."


def clean(text: str) -> str:
    """Terminal control characters (ESC, C1 controls, bidi overrides...) replaced by ``?``:
    messages and tables may quote untrusted input (ids, model names, summaries)."""
    return "".join(ch if ch in "\n\t" or ch.isprintable() else "?" for ch in str(text))
