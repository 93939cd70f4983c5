"""The ``harness`` command line: a thin layer over the library.

Each subcommand lives in ``harness/commands/<name>.py`` and exposes ``register(subparsers)``,
which adds its parser and sets ``func(args) -> int`` (the exit code). Expected errors
(:class:`~harness.errors.HarnessError`) print a message and exit with their code; bugs keep
their traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .errors import HarnessError, clean

COMMANDS = ("validate", "eval", "score", "report", "compare", "gate", "meta_eval", "refit", "calibrate")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="harness", description="Test harness for article summarizers: fact coverage, "
        "hallucinations, regression gates.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"harness.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"harness.commands.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``harness`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except HarnessError as exc:
        print(f"harness {args.command}: error: {clean(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # a path the user gave cannot be read or written: not a bug
        if exc.errno is None:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"harness {args.command}: error: {clean(where + (exc.strerror or str(exc)))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("harness: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
