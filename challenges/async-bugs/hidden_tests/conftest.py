"""The graded suite: plain synchronous tests; the candidate's wallet never runs in this process.

Each test calls one step of service/scenarios.py through the ``call`` fixture, with the
scenario's inputs (balances, transfers, delays, deadlines). The step runs the scenario in its
own event loop beside the candidate's code, with the fakes and measurements of service/
(a store that yields, gated notifiers, a sleeping kdf, a heartbeat for event-loop lag), and
answers with plain data; the assertions and the expected values are here only.

Graded runs (``[service] driver`` in challenge.toml) put the candidate's code and service/ in a
container of their own and reach the steps over a loopback connection (``assess_driver``, the
grader's copy of runner/driver.py). A local run beside a solution, with assess installed
(``PYTHONPATH=reference pytest hidden_tests`` in the challenge folder), calls the same steps in
this process through the same JSON round trip.

No pytest plugin is needed: pytest-asyncio is deliberately not used. This file also makes
pytest put this folder on sys.path, so the test modules can import ``support``.
"""

from pathlib import Path

import pytest

try:
    import assess_driver  # in the sandbox: the grader's copy
except ImportError:  # a local run beside a solution, with assess installed
    from runner import driver as assess_driver

SCENARIOS = Path(__file__).resolve().parent.parent / "service" / "scenarios.py"
# Below the per-test timeout of challenge.toml, so that a step stuck beyond its own deadline
# (an event loop blocked for good) fails its test with a message of the driver's.
STEP_TIMEOUT = 15.0


@pytest.fixture(scope="session")
def call():
    """``call(step, **args)``: run a step beside the candidate's code, get its plain answer."""
    return assess_driver.Driver.for_tests(SCENARIOS, step_timeout=STEP_TIMEOUT)
