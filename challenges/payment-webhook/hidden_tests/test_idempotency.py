"""Duplicate deliveries: acknowledged with 200 and applied once, by event id."""

from shop_support import NOW, OTHER_SECRET, encode, event, signature_header


def test_duplicate_refund_is_applied_once(make_shop):
    shop = make_shop()
    order = shop.paid_order(5000)
    refund = event("payment.refunded", order["id"], amount_cents=1000, id="evt_refund_1")
    for attempt in range(3):
        response = shop.deliver(refund)
        assert response.status_code == 200, (
            f"delivery {attempt + 1} of the same event: {response.status_code} "
            f"{response.text} (duplicates are acknowledged with 200)")
    after = shop.order(order["id"])
    assert after["refunded_cents"] == 1000, (
        "the same refund event was counted more than once")
    assert after["status"] == "paid"


def test_distinct_events_with_the_same_content_all_apply(make_shop):
    shop = make_shop()
    order = shop.paid_order(5000)
    for event_id in ["evt_r1", "evt_r2", "evt_r3"]:
        shop.deliver_ok(
            event("payment.refunded", order["id"], amount_cents=1000, id=event_id))
    after = shop.order(order["id"])
    assert after["refunded_cents"] == 3000, (
        "three refunds of the same amount are three distinct events (distinct ids)")


def test_late_duplicate_is_not_reapplied(make_shop):
    shop = make_shop()
    order = shop.paid_order(3000)
    first = event("payment.refunded", order["id"], amount_cents=1000, id="evt_ra")
    second = event("payment.refunded", order["id"], amount_cents=2000, id="evt_rb")
    shop.deliver_ok(first)
    shop.deliver_ok(second)
    refunded = shop.order(order["id"])
    assert (refunded["status"], refunded["refunded_cents"]) == ("refunded", 3000)
    shop.deliver_ok(first)  # the gateway redelivers an old event
    shop.deliver_ok(second)
    after = shop.order(order["id"])
    assert (after["status"], after["refunded_cents"]) == ("refunded", 3000)


def test_refused_delivery_is_not_recorded_as_processed(make_shop):
    shop = make_shop()
    order_id = shop.create_order()["id"]
    succeeded = event("payment.succeeded", order_id, id="evt_s1")
    body = encode(succeeded)
    forged = shop.post_webhook(
        body, {"Gateway-Signature": signature_header(body, NOW, OTHER_SECRET)})
    assert forged.status_code == 401, forged.text
    assert shop.status(order_id) == "pending"
    shop.deliver_ok(succeeded)
    assert shop.status(order_id) == "paid", (
        "an event id seen only in a refused delivery must still be processed when the "
        "authentic delivery arrives")
