"""Fixtures for the graded suite; the fakes and helpers they use are in shop_support.py.

The candidate's code is imported as ``app.main`` from ``/submission``, which is on sys.path.
"""

from __future__ import annotations

from typing import Any

import pytest

from shop_support import SECRET, FakeClock, FakeGateway, MakeShop, RecordingSleep, Shop


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeper() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def make_shop(gateway: FakeGateway, clock: FakeClock, sleeper: RecordingSleep) -> MakeShop:
    """``make_shop(**overrides)``: a fresh app from ``create_app`` on the fakes, as a Shop.

    Defaults: ``gateway``, ``webhook_secret=SECRET``, ``clock`` and ``sleep`` from the
    fixtures; ``attempt_timeout`` is passed only when given. The import is here rather than at
    module level so a submission that fails to import fails every test with its own error.
    """

    def make(**overrides: Any) -> Shop:
        from app.main import create_app

        kwargs: dict[str, Any] = {"gateway": gateway, "webhook_secret": SECRET,
                                  "clock": clock, "sleep": sleeper}
        kwargs.update(overrides)
        return Shop(create_app(**kwargs), kwargs["clock"])

    return make
