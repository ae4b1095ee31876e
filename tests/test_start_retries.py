"""Starting a container is tried again when the engine fails for reasons of its own (5xx),
a bounded number of times; a refusal of the request itself (4xx) is final at once."""

from __future__ import annotations

import docker.errors
import pytest
import requests

from runner import sandbox
from runner.errors import SandboxError


class FlakyStart:
    def __init__(self, failures: int, status: int = 500) -> None:
        self.failures, self.status, self.calls = failures, status, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            response = requests.Response()
            response.status_code = self.status
            error = docker.errors.APIError("start", response=response, explanation="cannot start a stopped process")
            if error.is_server_error():
                raise sandbox._TransientStartError(error)
            raise SandboxError(f"refused: {error}")
        return "started"


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox.time, "sleep", lambda seconds: None)


def test_a_transient_failure_is_tried_again() -> None:
    start = FlakyStart(failures=2)
    assert sandbox._retrying_start(start, "the sandbox container") == "started"
    assert start.calls == 3


def test_a_failure_that_persists_ends_with_one_clear_error() -> None:
    start = FlakyStart(failures=10)
    with pytest.raises(SandboxError, match="could not start the sandbox container: .*stopped process"):
        sandbox._retrying_start(start, "the sandbox container")
    assert start.calls == len(sandbox._START_RETRY_PAUSES) + 1


def test_a_refused_request_is_not_tried_again() -> None:
    start = FlakyStart(failures=1, status=400)
    with pytest.raises(SandboxError, match="refused"):
        sandbox._retrying_start(start, "the sandbox container")
    assert start.calls == 1
