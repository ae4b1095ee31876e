"""The normal flows: orders, paying them, the webhook applying a payment's outcome."""

from shop_support import SECRET, encode, event, signature_header


def test_create_order_returns_201_and_the_order(make_shop):
    shop = make_shop()
    response = shop.request("POST", "/orders", json={"amount_cents": 2599})
    assert response.status_code == 201, response.text
    expected = {"id": "ord_1", "amount_cents": 2599, "status": "pending",
                "refunded_cents": 0, "charge_id": None}
    body = response.json()
    assert {key: body.get(key) for key in expected} == expected, body
    second = shop.create_order(100)
    assert second["id"] == "ord_2"
    assert shop.order("ord_1") == body


def test_create_order_rejects_invalid_amounts(make_shop):
    shop = make_shop()
    for body in [{"amount_cents": 0}, {"amount_cents": -5}, {"amount_cents": "lots"},
                 {"amount_cents": 12.5}, {}]:
        response = shop.request("POST", "/orders", json=body)
        assert response.status_code == 422, (body, response.status_code, response.text)
    assert shop.request("GET", "/orders/ord_1").status_code == 404


def test_unknown_order_is_404(make_shop, gateway):
    shop = make_shop()
    shop.create_order()
    for method, url in [("GET", "/orders/ord_99"), ("POST", "/orders/ord_99/pay")]:
        response = shop.request(method, url)
        assert response.status_code == 404, (method, url, response.text)
        assert isinstance(response.json().get("detail"), str), response.text
    assert gateway.calls == [], "paying an unknown order must not call the gateway"


def test_pay_charges_the_order(make_shop, gateway, sleeper):
    shop = make_shop()
    order = shop.create_order(2599)
    response = shop.pay(order["id"])
    assert response.status_code == 202, response.text
    body = response.json()
    assert body.get("status") == "processing", body
    assert body.get("charge_id") == "ch_1", body
    assert len(gateway.calls) == 1
    call = gateway.calls[0]
    assert (call.order_id, call.amount_cents) == ("ord_1", 2599)
    assert isinstance(call.idempotency_key, str) and call.idempotency_key
    assert sleeper.delays == []
    stored = shop.order(order["id"])
    assert (stored["status"], stored["charge_id"]) == ("processing", "ch_1")


def test_pay_is_refused_unless_pending_or_failed(make_shop, gateway):
    shop = make_shop()
    order_id = shop.create_order()["id"]
    assert shop.pay(order_id).status_code == 202
    response = shop.pay(order_id)
    assert response.status_code == 409, f"paying a processing order: {response.text}"
    assert isinstance(response.json().get("detail"), str), response.text
    shop.deliver_ok(event("payment.succeeded", order_id))
    assert shop.pay(order_id).status_code == 409, "paying a paid order"
    shop.deliver_ok(event("payment.refunded", order_id, amount_cents=2599))
    assert shop.pay(order_id).status_code == 409, "paying a refunded order"
    assert len(gateway.calls) == 1, "a refused pay must not call the gateway"


def test_concurrent_pay_of_one_order_is_409(make_shop, gateway):
    shop = make_shop()
    order_id = shop.create_order()["id"]
    release = gateway.hold()
    first = shop.start_pay(order_id)
    gateway.wait_for_call("the first pay's gateway call")
    assert shop.status(order_id) == "processing", (
        "an order whose pay request is in progress is 'processing'")
    second = shop.pay(order_id)
    assert second.status_code == 409, second.text
    assert len(gateway.calls) == 1, "the second pay must not call the gateway"
    release.set()
    assert first.result("the first pay").status_code == 202


def test_payment_lifecycle_through_webhooks(make_shop):
    shop = make_shop()
    order_id = shop.create_order(5000)["id"]
    assert shop.pay(order_id).status_code == 202
    shop.deliver_ok(event("payment.succeeded", order_id, amount_cents=5000))
    paid = shop.order(order_id)
    assert (paid["status"], paid["refunded_cents"]) == ("paid", 0)
    assert paid["charge_id"] == "ch_1"
    shop.deliver_ok(event("payment.refunded", order_id, amount_cents=5000))
    refunded = shop.order(order_id)
    assert (refunded["status"], refunded["refunded_cents"]) == ("refunded", 5000)


def test_signed_but_invalid_events_are_400(make_shop, clock):
    shop = make_shop()
    order_id = shop.create_order()["id"]
    missing_id = event("payment.succeeded", order_id)
    del missing_id["id"]
    no_amount = event("payment.refunded", order_id)
    del no_amount["data"]["amount_cents"]
    no_order = event("payment.succeeded", order_id)
    del no_order["data"]["order_id"]
    for body in [b"{not json", b"[1, 2]", encode(missing_id), encode(no_amount),
                 encode(no_order)]:
        response = shop.post_webhook(
            body, {"Gateway-Signature": signature_header(body, int(clock.now), SECRET)})
        assert response.status_code == 400, (body, response.status_code, response.text)
    assert shop.status(order_id) == "pending"


def test_apps_are_independent(make_shop):
    first, second = make_shop(), make_shop()
    assert first.create_order(1000)["id"] == "ord_1"
    assert second.create_order(3000)["id"] == "ord_1", (
        "each app numbers its own orders")
    refund = event("payment.refunded", "ord_1", amount_cents=500, id="evt_shared")
    first.deliver_ok(refund)
    second.deliver_ok(refund)
    assert first.order("ord_1")["refunded_cents"] == 500
    assert second.order("ord_1")["refunded_cents"] == 500, (
        "an event processed by one app is new to another")
    assert second.order("ord_1")["amount_cents"] == 3000
