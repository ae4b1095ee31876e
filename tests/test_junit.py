"""The JUnit reader: a real pytest report, node-id keys, and hostile or broken reports."""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from runner.junit import (
    MAX_JUNIT_BYTES,
    MAX_MESSAGE_CHARS,
    JunitCase,
    JunitError,
    junit_key,
    parse_junit,
)
from runner.results import Outcome

# A tiny suite with every outcome pytest reports, laid out like a hidden_tests/ folder.
# Its conftest records the node ids pytest itself gave the tests, in run order.
SUITE = {
    "conftest.py": """\
from pathlib import Path

def pytest_collection_modifyitems(items):
    Path(__file__).with_name("nodeids.txt").write_text("\\n".join(i.nodeid for i in items))
""",
    "test_mixed.py": """\
import pytest

@pytest.fixture
def broken():
    raise RuntimeError("fixture exploded")

def test_pass():
    pass

def test_fail():
    assert 1 == 2, "one is not two"

def test_error_in_fixture(broken):
    pass

def test_skip():
    pytest.skip("not today")

@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    assert n == 1, f"n was {n}"

@pytest.mark.parametrize("path", ["a/b.py"])
def test_slash_param(path):
    pass

class TestGroup:
    def test_method(self):
        pass
""",
    "sub/__init__.py": "",
    "sub/test_deep.py": """\
def test_nested():
    pass
""",
}

EXPECTED_OUTCOMES = {
    ("test_mixed", "test_pass"): Outcome.PASSED,
    ("test_mixed", "test_fail"): Outcome.FAILED,
    ("test_mixed", "test_error_in_fixture"): Outcome.ERROR,
    ("test_mixed", "test_skip"): Outcome.SKIPPED,
    ("test_mixed", "test_param[1]"): Outcome.PASSED,
    ("test_mixed", "test_param[2]"): Outcome.FAILED,
    ("test_mixed", "test_slash_param[a/b.py]"): Outcome.PASSED,
    ("test_mixed.TestGroup", "test_method"): Outcome.PASSED,
    ("sub.test_deep", "test_nested"): Outcome.PASSED,
}


class PytestRun:
    def __init__(self, junit: bytes, node_ids: list[str]) -> None:
        self.junit = junit
        self.node_ids = node_ids
        self.cases = parse_junit(junit)

    def case(self, classname: str, name: str) -> JunitCase:
        [found] = [c for c in self.cases if (c.classname, c.name) == (classname, name)]
        return found


@pytest.fixture(scope="module")
def pytest_run(tmp_path_factory: pytest.TempPathFactory) -> PytestRun:
    """Run the suite with a real pytest, configured the way the sandbox harness does."""
    root = tmp_path_factory.mktemp("junit-run")
    suite = root / "tests"
    for name, text in SUITE.items():
        (suite / name).parent.mkdir(parents=True, exist_ok=True)
        (suite / name).write_text(text)
    ini = root / "pytest.ini"
    ini.write_text("[pytest]\njunit_family = xunit2\n")
    report = root / "report.xml"
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ini), "--rootdir", str(suite),
         "-p", "no:cacheprovider", f"--junitxml={report}", "-q", str(suite)],
        check=False, cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr  # 1: some tests failed
    return PytestRun(report.read_bytes(), (suite / "nodeids.txt").read_text().splitlines())


def wrap(testcases: str) -> bytes:
    return f'<testsuites><testsuite name="pytest">{testcases}</testsuite></testsuites>'.encode()


# --- a real pytest report --------------------------------------------------------------

def test_real_report_has_every_outcome(pytest_run: PytestRun) -> None:
    assert {(c.classname, c.name): c.outcome for c in pytest_run.cases} == EXPECTED_OUTCOMES
    assert len(pytest_run.cases) == len(EXPECTED_OUTCOMES)  # each test reported once


def test_real_report_messages(pytest_run: PytestRun) -> None:
    assert pytest_run.case("test_mixed", "test_pass").message == ""
    failed = pytest_run.case("test_mixed", "test_fail").message
    assert "AssertionError: one is not two" in failed
    assert "assert 1 == 2" in failed
    error = pytest_run.case("test_mixed", "test_error_in_fixture").message
    assert "failed on setup" in error
    assert "RuntimeError: fixture exploded" in error
    assert "not today" in pytest_run.case("test_mixed", "test_skip").message
    assert "n was 2" in pytest_run.case("test_mixed", "test_param[2]").message


def test_real_report_durations_are_seconds(pytest_run: PytestRun) -> None:
    for case in pytest_run.cases:
        assert case.duration is not None
        assert 0 <= case.duration < 60


def test_junit_key_of_pytest_node_ids_matches_the_report(pytest_run: PytestRun) -> None:
    assert "sub/test_deep.py::test_nested" in pytest_run.node_ids
    assert "test_mixed.py::TestGroup::test_method" in pytest_run.node_ids
    assert [junit_key(n) for n in pytest_run.node_ids] == [
        (c.classname, c.name) for c in pytest_run.cases
    ]


@pytest.mark.parametrize(("node_id", "key"), [
    ("test_a.py::test_b", ("test_a", "test_b")),
    ("pkg/test_a.py::TestX::test_y[1]", ("pkg.test_a.TestX", "test_y[1]")),
    ("pkg/inner/test_a.py::TestX::TestInner::test_y", ("pkg.inner.test_a.TestX.TestInner", "test_y")),
    ("test_a.py::test_b[x/y.py]", ("test_a", "test_b[x/y.py]")),
])
def test_junit_key(node_id: str, key: tuple[str, str]) -> None:
    assert junit_key(node_id) == key


# --- well-formed reports written by hand ------------------------------------------------

def test_testsuite_root_without_testsuites() -> None:
    data = (b'<?xml version="1.0" encoding="utf-8"?>'
            b'<testsuite name="pytest" tests="2">'
            b'<testcase classname="test_a" name="test_ok" time="0.25"/>'
            b'<testcase classname="test_a" name="test_bad" time="0.5">'
            b'<failure message="boom">trace</failure></testcase>'
            b'</testsuite>')
    assert parse_junit(data) == [
        JunitCase("test_a", "test_ok", Outcome.PASSED, 0.25, ""),
        JunitCase("test_a", "test_bad", Outcome.FAILED, 0.5, "boom\ntrace"),
    ]


def test_empty_report_has_no_cases() -> None:
    assert parse_junit(b'<testsuites><testsuite name="pytest" tests="0"/></testsuites>') == []


@pytest.mark.parametrize(("children", "outcome"), [
    ("", Outcome.PASSED),
    ("<failure/>", Outcome.FAILED),
    ("<error/>", Outcome.ERROR),
    ("<skipped/>", Outcome.SKIPPED),
    ("<failure/><error/>", Outcome.ERROR),  # the worse result wins
    ("<skipped/><failure/>", Outcome.FAILED),
])
def test_outcome_of_result_elements(children: str, outcome: Outcome) -> None:
    [case] = parse_junit(wrap(f'<testcase classname="t" name="x">{children}</testcase>'))
    assert case.outcome is outcome


@pytest.mark.parametrize("length", [MAX_MESSAGE_CHARS + 1, 5000, 2_000_000])
def test_long_messages_are_truncated(length: int) -> None:
    text = "x" * length
    [case] = parse_junit(wrap(f'<testcase classname="t" name="x"><failure>{text}</failure></testcase>'))
    kept = case.message.index("\n")
    assert case.message == "x" * kept + f"\n[... {length - kept} chars cut]"
    assert MAX_MESSAGE_CHARS - 30 < len(case.message) <= MAX_MESSAGE_CHARS


def test_message_at_the_limit_is_kept_whole() -> None:
    text = "y" * MAX_MESSAGE_CHARS
    [case] = parse_junit(wrap(f'<testcase classname="t" name="x"><error>{text}</error></testcase>'))
    assert case.message == text


@pytest.mark.parametrize("time", ["abc", "NaN", "inf", "-inf", "1e999", ""])
def test_unreadable_time_gives_no_duration(time: str) -> None:
    cases = parse_junit(wrap(
        f'<testcase classname="t" name="odd" time="{time}"><failure message="m"/></testcase>'
        '<testcase classname="t" name="fine" time="1.5"/>'
    ))
    assert cases == [
        JunitCase("t", "odd", Outcome.FAILED, None, "m"),
        JunitCase("t", "fine", Outcome.PASSED, 1.5, ""),
    ]


def test_report_at_the_size_limit_is_read() -> None:
    body = wrap('<testcase classname="t" name="x"/>')
    data = body + b" " * (MAX_JUNIT_BYTES - len(body))
    assert len(data) == MAX_JUNIT_BYTES
    assert [c.name for c in parse_junit(data)] == ["x"]


# --- absent, broken and hostile reports -------------------------------------------------

def raises_junit_error(data: bytes | None) -> str:
    with pytest.raises(JunitError) as excinfo:
        parse_junit(data)
    return str(excinfo.value)


def test_absent_report() -> None:
    assert raises_junit_error(None) == "no JUnit report was written"


@pytest.mark.parametrize("data", [b"", b"   \n\t  \r\n"])
def test_empty_report(data: bytes) -> None:
    assert raises_junit_error(data) == "the JUnit report is empty"


def test_truncated_report(pytest_run: PytestRun) -> None:
    half = pytest_run.junit[: len(pytest_run.junit) // 2]
    assert raises_junit_error(half).startswith("the JUnit report is malformed: ")


@pytest.mark.parametrize("data", [b"not xml at all", b"{\"tests\": []}", b"<testsuites><testsuite>",
                                  b"\x00\x01\x02"])
def test_non_xml_report(data: bytes) -> None:
    assert raises_junit_error(data).startswith("the JUnit report is malformed: ")


def test_wrong_root_element() -> None:
    assert raises_junit_error(b"<html><body>hi</body></html>") == (
        "the JUnit report is malformed: its root element is <html>, "
        "not <testsuites> or <testsuite>"
    )


def test_unknown_encoding_is_malformed_not_a_crash() -> None:
    data = b'<?xml version="1.0" encoding="no-such-codec"?><testsuites/>'
    message = raises_junit_error(data)
    assert message.startswith("the JUnit report is malformed: ")
    assert "no-such-codec" in message


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE testsuites [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<testsuites><testsuite><testcase classname="t" name="&lol9;"/></testsuite></testsuites>
"""


def test_entity_expansion_is_refused() -> None:
    message = raises_junit_error(BILLION_LAUGHS)
    assert message.startswith("the JUnit report was refused: ")
    assert "lol" not in message


def test_doctype_alone_is_refused() -> None:
    data = b'<!DOCTYPE testsuites SYSTEM "junit.dtd"><testsuites/>'
    assert raises_junit_error(data).startswith("the JUnit report was refused: ")


def test_external_entity_is_not_read(tmp_path: Path) -> None:
    secret_text = "TOP-SECRET-4f1c9a"
    secret = tmp_path / "secret.txt"
    secret.write_text(secret_text)
    data = f"""<?xml version="1.0"?>
<!DOCTYPE testsuites [<!ENTITY xxe SYSTEM "file://{secret}">]>
<testsuites><testsuite><testcase classname="t" name="&xxe;">
<failure message="&xxe;">&xxe;</failure></testcase></testsuite></testsuites>""".encode()
    with pytest.raises(JunitError) as excinfo:
        parse_junit(data)
    error = excinfo.value
    assert str(error).startswith("the JUnit report was refused: ")
    everything = "".join(traceback.format_exception(error)) + repr(error) + repr(error.__context__)
    assert secret_text not in everything


def test_oversized_report_is_refused_before_parsing() -> None:
    body = wrap('<testcase classname="t" name="x"/>')
    data = body + b" " * (MAX_JUNIT_BYTES + 1 - len(body))
    assert raises_junit_error(data) == f"the JUnit report is larger than {MAX_JUNIT_BYTES} bytes"
