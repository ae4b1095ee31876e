"""Each gateway call is bounded by attempt_timeout; a call that takes longer is retried."""

import time

import pytest

from shop_support import CHARGE_THEN_HANG, HANG, OK, SHORT_TIMEOUT


def test_hanging_attempt_is_abandoned_and_retried(make_shop, gateway, sleeper):
    shop = make_shop(attempt_timeout=SHORT_TIMEOUT)
    order_id = shop.create_order()["id"]
    gateway.script(HANG, OK)
    response = shop.pay(order_id)
    assert response.status_code == 202, response.text
    assert len(gateway.calls) == 2
    assert gateway.cancelled == 1, "the attempt that timed out must be cancelled"
    assert len(set(gateway.keys)) == 1
    assert sleeper.delays == pytest.approx([0.1])


def test_each_attempt_has_its_own_timeout(make_shop, gateway, sleeper):
    shop = make_shop(attempt_timeout=SHORT_TIMEOUT)
    order_id = shop.create_order()["id"]
    gateway.script(HANG, HANG, HANG, OK)
    response = shop.pay(order_id)
    assert response.status_code == 202, (
        f"three timeouts then a success: {response.status_code} {response.text}")
    assert len(gateway.calls) == 4
    assert gateway.cancelled == 3
    assert sleeper.delays == pytest.approx([0.1, 0.2, 0.4])


def test_every_attempt_timing_out_answers_503(make_shop, gateway, sleeper):
    shop = make_shop(attempt_timeout=SHORT_TIMEOUT)
    order_id = shop.create_order()["id"]
    gateway.script(*[HANG] * 6)
    response = shop.pay(order_id)
    assert response.status_code == 503, f"{response.status_code} {response.text}"
    assert response.json().get("attempts") == 4, response.text
    assert len(gateway.calls) == 4
    assert gateway.cancelled == 4
    assert sleeper.delays == pytest.approx([0.1, 0.2, 0.4])
    assert shop.status(order_id) == "pending"


def test_timed_out_charge_is_not_charged_twice(make_shop, gateway):
    shop = make_shop(attempt_timeout=SHORT_TIMEOUT)
    order_id = shop.create_order()["id"]
    gateway.script(CHARGE_THEN_HANG, OK)  # charged, but the answer never came
    response = shop.pay(order_id)
    assert response.status_code == 202, response.text
    assert len(gateway.calls) == 2
    assert len(set(gateway.keys)) == 1, f"keys sent: {gateway.keys}"
    assert len(gateway.charges) == 1, "the card was charged twice"
    assert response.json().get("charge_id") == "ch_1"


def test_slow_answer_within_the_timeout_is_awaited(make_shop, gateway, sleeper):
    shop = make_shop(attempt_timeout=2.0)
    order_id = shop.create_order()["id"]
    release = gateway.hold()
    paying = shop.start_pay(order_id)
    gateway.wait_for_call("the gateway call")
    time.sleep(0.2)  # slow, but well within the 2 s attempt timeout
    assert len(gateway.calls) == 1 and gateway.cancelled == 0, (
        "an attempt was abandoned before attempt_timeout elapsed")
    release.set()
    response = paying.result("the pay request")
    assert response.status_code == 202, response.text
    assert len(gateway.calls) == 1
    assert sleeper.delays == []
