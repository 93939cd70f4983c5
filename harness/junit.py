"""JUnit XML for the gate, read by CI test-report viewers.

One ``<testsuite>`` for the canaries, and per model one with a test case per metric check
(coverage, hallucination_rate, unscored_share, new_trap_hits) and one per article that lost facts
(named in the failure message with their statements). An article's case fails only when the
model's coverage check failed; otherwise its lost facts are listed in ``system-out``, so the XML
agrees with the exit code.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from .results import write_atomic

if TYPE_CHECKING:
    from .gate import GateResult

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (ElementTree escapes the rest)."""
    return _INVALID_XML.sub("?", text)


def _case(suite: ET.Element, classname: str, name: str, passed: bool, message: str, body: str,
          severity: int = 1) -> None:
    case = ET.SubElement(suite, "testcase", classname=_clean(classname), name=_clean(name), time="0")
    if not passed:
        tag = "error" if severity >= 2 else "failure"
        el = ET.SubElement(case, tag, message=_clean(message)[:1000], type="regression" if tag == "failure" else "error")
        el.text = _clean(body or message)
    elif body:
        ET.SubElement(case, "system-out").text = _clean(body)


def render_junit(result: "GateResult") -> str:
    """The JUnit XML document."""
    root = ET.Element("testsuites", name="harness gate")
    canaries = [c for c in result.checks if c.model == "canary"]
    if canaries:
        suite = ET.SubElement(root, "testsuite", name="canaries")
        for c in canaries:
            _case(suite, "harness.gate.canary", c.name, c.passed, c.message, "\n".join([c.message, *c.details]))
    comp = result.comparison
    failed = {(c.model, c.name) for c in result.checks if not c.passed}
    models = [m.model for m in comp.models] if comp else []
    for name in sorted({c.model for c in result.checks if c.model != "canary"} - set(models)):
        models.append(name)
    for model in models:
        suite = ET.SubElement(root, "testsuite", name=f"model {model}")
        for c in (c for c in result.checks if c.model == model):
            _case(suite, f"harness.gate.{model}", c.name, c.passed, c.message,
                  "\n".join([c.message, *c.details]), c.severity)
        m = next((m for m in comp.models if m.model == model), None) if comp else None
        if m is None:
            continue
        lost_by: dict[str, list] = {}
        for f in m.lost:
            lost_by.setdefault(f.article_id, []).append(f)
        for article_id in sorted(lost_by):
            facts = lost_by[article_id]
            body = "\n".join(f"lost fact {f.fact_id} ({f.status_a} -> {f.status_b})"
                             + (f": {f.statement}" if f.statement else "") for f in facts)
            msg = f"{len(facts)} fact(s) lost: " + ", ".join(f.fact_id for f in facts)
            _case(suite, f"harness.gate.{model}.articles", article_id, (model, "coverage") not in failed, msg, body)
    for suite in root:
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
        suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(path: str | Path, result: "GateResult") -> None:
    """Write :func:`render_junit` to ``path`` atomically."""
    write_atomic(Path(path), render_junit(result))
