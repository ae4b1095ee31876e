"""Out-of-order events: an order never moves backwards (pending < failed < paid < refunded)."""

import asyncio

from shop_support import event, run, within


def test_failed_after_succeeded_is_ignored(make_shop):
    async def scenario():
        async with make_shop() as shop:
            order = await shop.paid_order()
            response = await shop.deliver(event("payment.failed", order["id"]))
            assert response.status_code == 200, response.text
            assert await shop.status(order["id"]) == "paid"

    run(scenario())


def test_succeeded_after_refunded_does_not_resurrect_the_order(make_shop):
    async def scenario():
        async with make_shop() as shop:
            order = await shop.paid_order(2000)
            await shop.deliver_ok(event("payment.refunded", order["id"], amount_cents=2000))
            await shop.deliver_ok(event("payment.succeeded", order["id"], amount_cents=2000))
            await shop.deliver_ok(event("payment.failed", order["id"], amount_cents=2000))
            after = await shop.order(order["id"])
            assert (after["status"], after["refunded_cents"]) == ("refunded", 2000)

    run(scenario())


def test_refund_arriving_before_the_success(make_shop):
    async def scenario():
        async with make_shop() as shop:
            full = (await shop.create_order(2000))["id"]
            partial = (await shop.create_order(2000))["id"]
            await shop.deliver_ok(event("payment.refunded", full, amount_cents=2000))
            await shop.deliver_ok(event("payment.refunded", partial, amount_cents=500))
            assert await shop.status(full) == "refunded"
            assert await shop.status(partial) == "paid", "a refund implies the payment succeeded"
            for order_id in (full, partial):
                await shop.deliver_ok(event("payment.succeeded", order_id, amount_cents=2000))
            assert await shop.status(full) == "refunded"
            assert await shop.status(partial) == "paid"
            assert (await shop.order(partial))["refunded_cents"] == 500

    run(scenario())


def test_success_after_a_failure_marks_the_order_paid(make_shop):
    async def scenario():
        async with make_shop() as shop:
            order_id = (await shop.create_order())["id"]
            await shop.deliver_ok(event("payment.failed", order_id))
            assert await shop.status(order_id) == "failed"
            await shop.deliver_ok(event("payment.succeeded", order_id))
            assert await shop.status(order_id) == "paid"

    run(scenario())


def test_partial_refunds_accumulate_until_refunded(make_shop):
    async def scenario():
        async with make_shop() as shop:
            order = await shop.paid_order(3000)
            await shop.deliver_ok(event("payment.refunded", order["id"], amount_cents=1000))
            partly = await shop.order(order["id"])
            assert (partly["status"], partly["refunded_cents"]) == ("paid", 1000)
            await shop.deliver_ok(event("payment.refunded", order["id"], amount_cents=2000))
            full = await shop.order(order["id"])
            assert (full["status"], full["refunded_cents"]) == ("refunded", 3000)

    run(scenario())


def test_webhook_during_pay_is_not_undone(make_shop, gateway):
    async def scenario():
        async with make_shop() as shop:
            order_id = (await shop.create_order())["id"]
            release = gateway.hold()
            paying = asyncio.create_task(shop.pay(order_id))
            await within(gateway.started.wait(), "the pay request's gateway call")
            await shop.deliver_ok(event("payment.succeeded", order_id))
            assert await shop.status(order_id) == "paid"
            release.set()
            response = await within(paying, "the pay request")
            assert response.status_code == 202, response.text
            after = await shop.order(order_id)
            assert (after["status"], after["charge_id"]) == ("paid", "ch_1"), (
                "the pay request finishing after the webhook must not move the order back")

    run(scenario())


def test_events_for_unknown_orders_and_types_are_acknowledged(make_shop):
    async def scenario():
        async with make_shop() as shop:
            order_id = (await shop.create_order())["id"]
            unknown_order = await shop.deliver(event("payment.succeeded", "ord_404"))
            assert unknown_order.status_code == 200, unknown_order.text
            other_type = event("customer.updated", order_id)
            response = await shop.deliver(other_type)
            assert response.status_code == 200, response.text
            assert await shop.status(order_id) == "pending"
            assert (await shop.request("GET", "/orders/ord_404")).status_code == 404

    run(scenario())
