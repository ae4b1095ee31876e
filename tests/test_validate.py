"""`assess validate`: a challenge is proven by running its solutions in the real sandbox."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import cli
from runner.sandbox import Engine
from runner.spec import find_challenges
from runner.validate import validate_challenge
from tests.conftest import REPO, TINY

pytestmark = pytest.mark.docker


def test_sound_challenge_passes_and_names_what_caught_each_wrong_solution(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(TINY), "--out", str(tmp_path), "--repeats", "2"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "validation.json").read_text())
    [tiny] = report["challenges"]
    assert (report["ok"], tiny["ok"], tiny["problems"]) == (True, True, [])
    checks = {c["solution"]: c for c in tiny["checks"]}
    assert checks["reference"]["percent"] == 100
    assert checks["reference (run 2)"]["percent"] == 100
    assert checks["starter"]["percent"] == 0
    assert checks["wrong/add-subtracts"]["not_passed"] == ["test_tiny.py::test_add", "test_tiny.py::test_add_negative"]
    assert checks["wrong/slug-keeps-commas"]["mistake"] == "A plausible slip: slug-keeps-commas."


def test_uncaught_wrong_solution_and_generous_starter_fail_validation(tmp_path: Path) -> None:
    tiny = Path(shutil.copytree(TINY, tmp_path / "tiny"))
    shutil.copy(tiny / "reference" / "solution.py", tiny / "wrong" / "negative-abs" / "solution.py")
    shutil.copy(tiny / "reference" / "solution.py", tiny / "starter" / "solution.py")
    result = CliRunner().invoke(cli, ["validate", str(tiny), "--out", str(tmp_path / "out"), "--repeats", "1"])
    assert result.exit_code == 5
    assert result.output.strip().endswith("Error: validation failed: tiny")
    problems = json.loads((tmp_path / "out" / "validation.json").read_text())["challenges"][0]["problems"]
    assert problems == ["starter scored 100%, above its limit of 0%",
                        "wrong/negative-abs scored 100%: the hidden suite does not catch it"]


@pytest.mark.parametrize("challenge", find_challenges(REPO / "challenges"), ids=lambda c: c.id)
def test_every_bundled_challenge_validates(challenge: object, engine: Engine, tmp_path: Path) -> None:
    from runner.spec import Challenge

    assert isinstance(challenge, Challenge)
    validation = validate_challenge(challenge, engine=engine, out_dir=tmp_path, repeats=3)
    assert validation.problems == []
    assert validation.ok
