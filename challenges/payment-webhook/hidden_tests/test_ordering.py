"""Out-of-order events: an order never moves backwards (pending < failed < paid < refunded)."""

from shop_support import event


def test_failed_after_succeeded_is_ignored(make_shop):
    shop = make_shop()
    order = shop.paid_order()
    response = shop.deliver(event("payment.failed", order["id"]))
    assert response.status_code == 200, response.text
    assert shop.status(order["id"]) == "paid"


def test_succeeded_after_refunded_does_not_resurrect_the_order(make_shop):
    shop = make_shop()
    order = shop.paid_order(2000)
    shop.deliver_ok(event("payment.refunded", order["id"], amount_cents=2000))
    shop.deliver_ok(event("payment.succeeded", order["id"], amount_cents=2000))
    shop.deliver_ok(event("payment.failed", order["id"], amount_cents=2000))
    after = shop.order(order["id"])
    assert (after["status"], after["refunded_cents"]) == ("refunded", 2000)


def test_refund_arriving_before_the_success(make_shop):
    shop = make_shop()
    full = shop.create_order(2000)["id"]
    partial = shop.create_order(2000)["id"]
    shop.deliver_ok(event("payment.refunded", full, amount_cents=2000))
    shop.deliver_ok(event("payment.refunded", partial, amount_cents=500))
    assert shop.status(full) == "refunded"
    assert shop.status(partial) == "paid", "a refund implies the payment succeeded"
    for order_id in (full, partial):
        shop.deliver_ok(event("payment.succeeded", order_id, amount_cents=2000))
    assert shop.status(full) == "refunded"
    assert shop.status(partial) == "paid"
    assert shop.order(partial)["refunded_cents"] == 500


def test_success_after_a_failure_marks_the_order_paid(make_shop):
    shop = make_shop()
    order_id = shop.create_order()["id"]
    shop.deliver_ok(event("payment.failed", order_id))
    assert shop.status(order_id) == "failed"
    shop.deliver_ok(event("payment.succeeded", order_id))
    assert shop.status(order_id) == "paid"


def test_partial_refunds_accumulate_until_refunded(make_shop):
    shop = make_shop()
    order = shop.paid_order(3000)
    shop.deliver_ok(event("payment.refunded", order["id"], amount_cents=1000))
    partly = shop.order(order["id"])
    assert (partly["status"], partly["refunded_cents"]) == ("paid", 1000)
    shop.deliver_ok(event("payment.refunded", order["id"], amount_cents=2000))
    full = shop.order(order["id"])
    assert (full["status"], full["refunded_cents"]) == ("refunded", 3000)


def test_webhook_during_pay_is_not_undone(make_shop, gateway):
    shop = make_shop()
    order_id = shop.create_order()["id"]
    release = gateway.hold()
    paying = shop.start_pay(order_id)
    gateway.wait_for_call("the pay request's gateway call")
    shop.deliver_ok(event("payment.succeeded", order_id))
    assert shop.status(order_id) == "paid"
    release.set()
    response = paying.result("the pay request")
    assert response.status_code == 202, response.text
    after = shop.order(order_id)
    assert (after["status"], after["charge_id"]) == ("paid", "ch_1"), (
        "the pay request finishing after the webhook must not move the order back")


def test_events_for_unknown_orders_and_types_are_acknowledged(make_shop):
    shop = make_shop()
    order_id = shop.create_order()["id"]
    unknown_order = shop.deliver(event("payment.succeeded", "ord_404"))
    assert unknown_order.status_code == 200, unknown_order.text
    other_type = event("customer.updated", order_id)
    response = shop.deliver(other_type)
    assert response.status_code == 200, response.text
    assert shop.status(order_id) == "pending"
    assert shop.request("GET", "/orders/ord_404").status_code == 404
