"""Calling the gateway: retries on GatewayUnavailable with exponential backoff, one key."""

import pytest

from shop_support import DECLINE_CODE, DECLINED, LOST, OK, UNAVAILABLE


def test_unavailable_is_retried_with_exponential_backoff(make_shop, gateway, sleeper):
    shop = make_shop()
    order_id = shop.create_order()["id"]
    gateway.script(UNAVAILABLE, UNAVAILABLE, OK)
    response = shop.pay(order_id)
    assert response.status_code == 202, response.text
    assert response.json().get("charge_id") == "ch_1"
    assert len(gateway.calls) == 3
    assert sleeper.delays == pytest.approx([0.1, 0.2]), (
        "wait 0.1 s before the 2nd attempt and 0.2 s before the 3rd, with the injected "
        "sleep")


def test_every_attempt_sends_the_same_idempotency_key(make_shop, gateway):
    shop = make_shop()
    order_id = shop.create_order(4200)["id"]
    gateway.script(LOST, LOST, OK)  # the first two charges went through; answers lost
    response = shop.pay(order_id)
    assert response.status_code == 202, response.text
    assert len(gateway.calls) == 3
    assert len(set(gateway.keys)) == 1, f"keys sent: {gateway.keys}"
    assert all((c.order_id, c.amount_cents) == (order_id, 4200) for c in gateway.calls)
    assert len(gateway.charges) == 1, "the card was charged more than once"
    assert shop.order(order_id)["charge_id"] == "ch_1"


def test_exhausted_retries_answer_503(make_shop, gateway, sleeper):
    shop = make_shop()
    order_id = shop.create_order()["id"]
    gateway.script(*[UNAVAILABLE] * 6)
    response = shop.pay(order_id)
    assert response.status_code == 503, f"{response.status_code} {response.text}"
    body = response.json()
    assert isinstance(body.get("detail"), str), body
    assert body.get("attempts") == 4, body
    assert len(gateway.calls) == 4, "four attempts in all"
    assert sleeper.delays == pytest.approx([0.1, 0.2, 0.4]), (
        "backoff before the 2nd, 3rd and 4th attempts only (not after the last)")
    order = shop.order(order_id)
    assert (order["status"], order["charge_id"]) == ("pending", None)


def test_card_declined_is_final(make_shop, gateway, sleeper):
    shop = make_shop()
    order_id = shop.create_order()["id"]
    gateway.script(DECLINED, OK)
    response = shop.pay(order_id)
    assert response.status_code == 402, f"{response.status_code} {response.text}"
    body = response.json()
    assert body.get("code") == DECLINE_CODE, body
    assert isinstance(body.get("detail"), str), body
    assert len(gateway.calls) == 1, "a declined card must not be retried"
    assert sleeper.delays == []
    order = shop.order(order_id)
    assert (order["status"], order["charge_id"]) == ("failed", None)


def test_decline_after_a_retry_stops_retrying(make_shop, gateway, sleeper):
    shop = make_shop()
    order_id = shop.create_order()["id"]
    gateway.script(UNAVAILABLE, DECLINED, OK)
    response = shop.pay(order_id)
    assert response.status_code == 402, f"{response.status_code} {response.text}"
    assert len(gateway.calls) == 2
    assert sleeper.delays == pytest.approx([0.1])
    assert shop.status(order_id) == "failed"


def test_pay_after_a_503_continues_with_the_same_key(make_shop, gateway):
    shop = make_shop()
    order_id = shop.create_order()["id"]
    gateway.script(UNAVAILABLE, UNAVAILABLE, UNAVAILABLE, LOST)
    assert shop.pay(order_id).status_code == 503
    response = shop.pay(order_id)  # the customer tries again
    assert response.status_code == 202, response.text
    assert len(gateway.calls) == 5
    assert len(set(gateway.keys)) == 1, (
        f"keys sent: {gateway.keys}: the 503'd attempt may have charged the card, so "
        "the next pay request must continue it with the same key")
    assert len(gateway.charges) == 1, "the card was charged more than once"


def test_new_payment_attempts_get_new_keys(make_shop, gateway):
    shop = make_shop()
    first = shop.create_order()["id"]
    second = shop.create_order()["id"]
    gateway.script(DECLINED, OK, OK)
    assert shop.pay(first).status_code == 402
    retry = shop.pay(first)  # after a decline: a new attempt (another card)
    assert retry.status_code == 202, retry.text
    assert shop.pay(second).status_code == 202
    keys = gateway.keys
    assert len(keys) == 3
    assert keys[0] != keys[1], "the attempt after a decline must use a new key"
    assert keys[2] not in keys[:2], "different orders must use different keys"
    assert len(gateway.charges) == 2
