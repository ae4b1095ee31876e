"""The command line as a user sees it: exit codes and the one line every bad input gets."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import cli
from runner.sandbox import Engine
from tests.conftest import REPO, SUBMISSIONS, TINY, tiny_challenge_with

REST_API = REPO / "challenges" / "rest-api"


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def assert_one_line_error(output: str, fragment: str) -> None:
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("Error: ")
    assert fragment in lines[0]


# --- bad input: exit 3 -------------------------------------------------------------------

def test_unknown_challenge(tmp_path: Path) -> None:
    code, output = invoke("run", "no-such-challenge", str(tmp_path), "--out", str(tmp_path / "o"),
                          "--challenges-dir", str(REPO / "challenges"))
    assert code == 3
    assert_one_line_error(output, "unknown challenge 'no-such-challenge'")
    assert "rest-api" in output


def test_invalid_challenge_spec(tmp_path: Path) -> None:
    broken = tmp_path / "tiny"
    broken.mkdir()
    (broken / "challenge.toml").write_text('id = "tiny"\ntitle = 3\n')
    code, output = invoke("run", str(broken), str(tmp_path), "--out", str(tmp_path / "o"))
    assert code == 3
    assert_one_line_error(output, "challenge.toml")


def test_missing_submission(tmp_path: Path) -> None:
    code, output = invoke("run", str(TINY), str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"))
    assert code == 3
    assert_one_line_error(output, "nowhere")
    assert not (tmp_path / "o").exists()  # a refused submission leaves no half-made result


@pytest.mark.docker  # found while fetching, after the sandbox started
def test_corrupt_archive(tmp_path: Path) -> None:
    archive = tmp_path / "submission.tar.gz"
    archive.write_bytes(b"\x1f\x8b\x08\x00 this is not really gzip")
    code, output = invoke("run", str(TINY), str(archive), "--out", str(tmp_path / "o"))
    assert code == 3
    assert_one_line_error(output, "submission.tar.gz")


@pytest.mark.docker  # found while fetching, after the sandbox started
def test_archive_escaping_its_folder_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        payload = b"pwned"
        member = tarfile.TarInfo("../../escaped.txt")
        member.size = len(payload)
        tar.addfile(member, io.BytesIO(payload))
    code, output = invoke("run", str(TINY), str(archive), "--out", str(tmp_path / "o"))
    assert code == 3
    assert_one_line_error(output, "..")
    assert not list(tmp_path.rglob("escaped.txt"))


@pytest.mark.docker  # found while fetching, after the sandbox started
def test_failed_clone(tmp_path: Path) -> None:
    code, output = invoke("run", str(TINY), f"file://{tmp_path}/absent.git@main", "--out", str(tmp_path / "o"))
    assert code == 3
    assert_one_line_error(output, "could not clone")


# --- infrastructure: exit 4 --------------------------------------------------------------

def test_no_engine_says_how_to_start_one(tmp_path: Path) -> None:
    code, output = invoke("run", str(TINY), str(SUBMISSIONS / "tiny-correct"), "--out", str(tmp_path / "o"),
                          env={"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"})
    assert code == 4
    assert_one_line_error(output, "no Docker engine answers")
    assert "ensure-docker.sh" in output


@pytest.mark.docker
def test_image_build_failure(tmp_path: Path, engine: Engine) -> None:
    sandboxes = tmp_path / "sandboxes"
    (sandboxes / "broken").mkdir(parents=True)
    (sandboxes / "broken" / "Dockerfile").write_text("ARG BASE\nFROM ${BASE}\nRUN exit 7\n")
    (sandboxes / "broken" / "requirements.txt").write_text("")
    challenge = tiny_challenge_with(tmp_path)
    spec = challenge / "challenge.toml"
    spec.write_text(spec.read_text().replace('image = "python"', 'image = "broken"'))
    code, output = invoke("run", str(challenge), str(SUBMISSIONS / "tiny-correct"), "--out", str(tmp_path / "o"),
                          env={"ASSESS_SANDBOXES": str(sandboxes), "ASSESS_CACHE": str(tmp_path / "cache")})
    assert code == 4
    assert_one_line_error(output, "building assess-broken")


# --- graded: exit 0 ----------------------------------------------------------------------

@pytest.mark.docker
def test_reference_scores_full_and_starter_low(tmp_path: Path) -> None:
    code, output = invoke("run", "rest-api", str(REST_API / "reference"), "--out", str(tmp_path / "ref"),
                          "--challenges-dir", str(REPO / "challenges"))
    assert code == 0, output
    assert "100/100" in output
    assert "Warning" not in output and "Note" not in output  # out of process, and proven by this suite
    reference = json.loads((tmp_path / "ref" / "result.json").read_text())
    assert (reference["status"], reference["percent"]) == ("graded", 100)
    assert reference["flags"] == []

    code, output = invoke("run", str(REST_API), str(REST_API / "starter"), "--out", str(tmp_path / "starter"),
                          "--view", "candidate")
    assert code == 0, output
    assert "graded" in output and "safe to send" in output
    # The folder holds only what may be sent: the reviewer's files are not written there.
    assert sorted(p.name for p in (tmp_path / "starter").iterdir()) == ["report.html", "report.md"]
    candidate_report = (tmp_path / "starter" / "report.html").read_text()
    assert "test_" not in candidate_report  # no hidden test names in the candidate's view
    assert "test_" not in (tmp_path / "starter" / "report.md").read_text()


@pytest.mark.docker
def test_archive_and_git_submissions_are_graded(tmp_path: Path) -> None:
    source = SUBMISSIONS / "tiny-correct"
    archive = tmp_path / "tiny.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source, arcname="tiny-correct")
    code, output = invoke("run", str(TINY), str(archive), "--out", str(tmp_path / "a"))
    assert code == 0, output
    assert json.loads((tmp_path / "a" / "result.json").read_text())["percent"] == 100

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "solution.py").write_text((source / "solution.py").read_text())
    git = ["git", "-C", str(repo), "-c", "user.name=c", "-c", "user.email=c@x"]
    subprocess.run([*git[:3], "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "solution"], check=True)
    subprocess.run([*git, "tag", "v1"], check=True)
    code, output = invoke("run", str(TINY), f"{repo}@v1", "--out", str(tmp_path / "g"))
    assert code == 0, output
    result = json.loads((tmp_path / "g" / "result.json").read_text())
    assert result["submission"]["kind"] == "git"
    assert result["submission"]["ref"] == "v1"
    assert len(result["submission"]["commit"]) == 40
    assert result["percent"] == 100


@pytest.mark.docker
def test_ctrl_c_exits_130_and_leaves_no_container(tmp_path: Path, engine: Engine) -> None:
    challenge = tiny_challenge_with(tmp_path, timeout_seconds=120, test_timeout_seconds=120)
    process = subprocess.Popen(
        [sys.executable, "-m", "runner.cli", "run", str(challenge), str(SUBMISSIONS / "tiny-hang"),
         "--out", str(tmp_path / "o")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 60
    while not engine.project_containers(owner_pid=process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert engine.project_containers(owner_pid=process.pid), "the sandbox never started"
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert b"Traceback" not in output
    assert output.strip().endswith(b"Error: interrupted")
    assert engine.project_containers(owner_pid=process.pid) == []


@pytest.mark.docker
def test_a_challenge_never_validated_in_its_present_form_is_named_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from runner.proven import record_proven
    from runner.spec import load_challenge

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    challenge = tiny_challenge_with(tmp_path)

    def note_lines() -> list[str]:
        code, output = invoke("run", str(challenge), str(SUBMISSIONS / "tiny-correct"), "--out", str(tmp_path / "o"))
        assert code == 0, output
        return [line for line in output.splitlines() if line.startswith("Note:")]

    [note] = note_lines()
    assert "never validated" in note and f"assess validate {challenge}" in note
    code, output = invoke("run", str(challenge), str(SUBMISSIONS / "tiny-correct"), "--out", str(tmp_path / "o"))
    assert "Warning: challenge tiny runs the candidate's code in the test process" in output
    record_proven(load_challenge(challenge))  # what a passing `assess validate` does
    assert note_lines() == []
    with (challenge / "hidden_tests" / "test_tiny.py").open("a") as tests:
        tests.write("\n# changed since it was validated\n")
    assert len(note_lines()) == 1
