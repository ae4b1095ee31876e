"""Read the JUnit XML the sandbox wrote: hostile input, parsed defensively.

The file was written inside a container that ran candidate code, so it is capped in size,
refused if it declares a DOCTYPE or entities, and any malformation is a ``JunitError``
(graded as status error), never a crash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException
from junitparser import Error, Failure, JUnitXml, JUnitXmlError, Skipped

from runner.results import Outcome

__all__ = ["MAX_JUNIT_BYTES", "JunitCase", "JunitError", "junit_key", "parse_junit"]

MAX_JUNIT_BYTES = 8 * 2**20
MAX_MESSAGE_CHARS = 2000


class JunitError(Exception):
    """The JUnit report is absent, empty, too large or malformed."""


@dataclass(frozen=True)
class JunitCase:
    classname: str
    name: str
    outcome: Outcome
    duration: float | None
    message: str


def junit_key(node_id: str) -> tuple[str, str]:
    """The (classname, name) pytest's JUnit gives the test with this node id.

    ``pkg/test_a.py::TestX::test_y[1]`` -> ``("pkg.test_a.TestX", "test_y[1]")``.
    """
    path, *scopes = node_id.split("::")
    module = path.removesuffix(".py").replace("/", ".")
    return ".".join([module, *scopes[:-1]]), scopes[-1]


def parse_junit(data: bytes | None) -> list[JunitCase]:
    """Every testcase in the report, in document order.

    Raises:
        JunitError: absent, empty, oversized, DTD/entity-bearing or malformed XML.
    """
    if data is None:
        raise JunitError("no JUnit report was written")
    if not data.strip():
        raise JunitError("the JUnit report is empty")
    if len(data) > MAX_JUNIT_BYTES:
        raise JunitError(f"the JUnit report is larger than {MAX_JUNIT_BYTES} bytes")
    try:
        root = safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        if root.tag not in ("testsuites", "testsuite"):
            raise JunitError(f"the JUnit report is malformed: its root element is <{root.tag}>, "
                             "not <testsuites> or <testsuite>")
        # junitparser wraps plain ElementTree elements; its annotation names its own wrapper.
        xml = JUnitXml.fromroot(root)  # type: ignore[arg-type]
        return [_case(case) for suite in xml for case in suite]
    except DefusedXmlException as e:
        raise JunitError(f"the JUnit report was refused: {e.__class__.__name__}") from None
    except (ParseError, JUnitXmlError, LookupError) as e:  # LookupError: encoding="bogus"
        raise JunitError(f"the JUnit report is malformed: {e}") from None
    except (ValueError, TypeError, AttributeError) as e:
        raise JunitError(f"the JUnit report has invalid content: {e}") from None


def _case(case: object) -> JunitCase:
    results = case.result  # type: ignore[attr-defined]
    if any(isinstance(r, Error) for r in results):
        outcome = Outcome.ERROR
    elif any(isinstance(r, Failure) for r in results):
        outcome = Outcome.FAILED
    elif any(isinstance(r, Skipped) for r in results):
        outcome = Outcome.SKIPPED
    else:
        outcome = Outcome.PASSED
    parts = []
    for r in results:
        parts += [p for p in (r.message, r.text) if p]
    try:
        duration = case.time  # type: ignore[attr-defined]
    except ValueError:  # time="abc": one unreadable duration, not a malformed report
        duration = None
    if duration is not None and not math.isfinite(duration):
        duration = None
    return JunitCase(
        classname=case.classname or "",  # type: ignore[attr-defined]
        name=case.name or "",  # type: ignore[attr-defined]
        outcome=outcome,
        duration=duration,
        message=truncate("\n".join(parts), MAX_MESSAGE_CHARS),
    )


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, marker included, saying how much was cut."""
    if len(text) <= limit:
        return text
    # The marker never counts more than len(text), so reserving that many digits is enough.
    keep = limit - len(f"\n[... {len(text)} chars cut]")
    return text[:keep] + f"\n[... {len(text) - keep} chars cut]"
