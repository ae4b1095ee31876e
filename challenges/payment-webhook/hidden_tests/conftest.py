"""Fixtures for the graded suite; the helpers they use are in shop_support.py.

Nothing of the candidate's is imported here. Graded runs set ``ASSESS_SERVICE_URL``: the
candidate's code runs in a container of its own, where the grader's driver serves the steps
of ``service/scenarios.py`` (the app built on the fakes, the requests, what the fakes saw), and
this process gets their answers as JSON. Without it (a local run from the challenge folder:
``PYTHONPATH=reference pytest hidden_tests``), the driver calls the same steps in process,
through the same JSON round trip; the tests are the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shop_support import Clock, Gateway, MakeShop, RecordingSleep, Session, Shop, Steps

try:
    import assess_driver  # in the sandbox: the grader's copy
except ImportError:  # a local run beside a solution, with assess installed
    from runner import driver as assess_driver

SCENARIOS = Path(__file__).resolve().parent.parent / "service" / "scenarios.py"
# Below the per-test timeout, so a step that never answers fails its test with its own message.
STEP_TIMEOUT = 8.0


@pytest.fixture(scope="session")
def steps() -> Steps:
    return assess_driver.Driver.for_tests(SCENARIOS, step_timeout=STEP_TIMEOUT)


@pytest.fixture
def session(steps: Steps) -> Iterator[Session]:
    """The test's event loop and fakes, in the candidate's container; stopped after the test."""
    session = Session(steps)
    yield session
    session.close()


@pytest.fixture
def gateway(session: Session) -> Gateway:
    return session.gateway


@pytest.fixture
def clock(session: Session) -> Clock:
    return session.clock


@pytest.fixture
def sleeper(session: Session) -> RecordingSleep:
    return session.sleeper


@pytest.fixture
def make_shop(session: Session) -> MakeShop:
    """``make_shop(**overrides)``: a fresh app from ``create_app`` on the session's fakes.

    Defaults: the session's ``gateway``, ``webhook_secret=SECRET``, its ``clock`` and
    ``sleep``; ``attempt_timeout`` is passed only when given. The candidate's code is imported
    by the first one (in its container), so a submission that fails to import fails every test
    with its own error.
    """

    def make(**overrides: Any) -> Shop:
        return session.new_shop(**overrides)

    return make
