"""Public tests: a sample of the behaviour the hidden suite grades (it checks much more)."""

from conftest import deliver, run, sign, webhook

from app.gateway import CardDeclined, GatewayUnavailable


def test_create_and_pay_an_order(client, gateway):
    async def scenario():
        async with client() as http:
            created = await http.post("/orders", json={"amount_cents": 1500})
            assert created.status_code == 201
            order = created.json()
            assert (order["id"], order["status"]) == ("ord_1", "pending")

            paid = await http.post("/orders/ord_1/pay")
            assert paid.status_code == 202
            assert paid.json()["status"] == "processing"
            assert paid.json()["charge_id"] == "ch_public_1"
            [(order_id, amount, key)] = gateway.calls
            assert (order_id, amount) == ("ord_1", 1500) and key

    run(scenario())


def test_signed_webhook_marks_the_order_paid(client):
    async def scenario():
        async with client() as http:
            await http.post("/orders", json={"amount_cents": 1500})
            body = webhook("evt_1", "payment.succeeded", "ord_1")
            response = await deliver(http, body, sign(body))
            assert response.status_code == 200
            assert (await http.get("/orders/ord_1")).json()["status"] == "paid"

    run(scenario())


def test_unsigned_webhook_is_refused(client):
    async def scenario():
        async with client() as http:
            await http.post("/orders", json={"amount_cents": 1500})
            body = webhook("evt_1", "payment.succeeded", "ord_1")
            response = await deliver(http, body)
            assert response.status_code == 401
            assert (await http.get("/orders/ord_1")).json()["status"] == "pending"

    run(scenario())


def test_a_redelivered_refund_counts_once(client):
    async def scenario():
        async with client() as http:
            await http.post("/orders", json={"amount_cents": 1500})
            for body in [webhook("evt_1", "payment.succeeded", "ord_1"),
                         webhook("evt_2", "payment.refunded", "ord_1", amount_cents=500),
                         webhook("evt_2", "payment.refunded", "ord_1", amount_cents=500)]:
                response = await deliver(http, body, sign(body))
                assert response.status_code == 200
            order = (await http.get("/orders/ord_1")).json()
            assert (order["status"], order["refunded_cents"]) == ("paid", 500)

    run(scenario())


def test_an_unavailable_gateway_is_retried_with_backoff_and_one_key(client, gateway, sleeps):
    async def scenario():
        async with client() as http:
            await http.post("/orders", json={"amount_cents": 1500})
            gateway.outcomes = [GatewayUnavailable("502"), GatewayUnavailable("503"), "ok"]
            response = await http.post("/orders/ord_1/pay")
            assert response.status_code == 202
            assert len(gateway.calls) == 3
            assert len({key for _, _, key in gateway.calls}) == 1
            assert sleeps.delays == [0.1, 0.2]

    run(scenario())


def test_a_declined_card_is_not_retried(client, gateway, sleeps):
    async def scenario():
        async with client() as http:
            await http.post("/orders", json={"amount_cents": 1500})
            gateway.outcomes = [CardDeclined("expired_card")]
            response = await http.post("/orders/ord_1/pay")
            assert response.status_code == 402
            assert response.json()["code"] == "expired_card"
            assert len(gateway.calls) == 1 and sleeps.delays == []
            assert (await http.get("/orders/ord_1")).json()["status"] == "failed"

    run(scenario())
