"""A local simulation of a busy minute in production: `python -m app`.

It runs a thousand concurrent transfers and one PIN change against the in-memory store
and the logging notifier, then shuts the wallet down and prints what the on-call engineer
would look at: the books, the notifications and the event loop's longest stall.
"""

import asyncio
import random

from app.notify import LogNotifier
from app.store import MemoryStore
from app.wallet import InsufficientFunds, Wallet


async def main() -> None:
    rng = random.Random(1)
    names = [f"customer-{i:02d}" for i in range(20)]
    store = MemoryStore({name: 10_000 for name in names})
    notifier = LogNotifier(latency=0.05)
    wallet = Wallet(store, notifier)  # the production kdf: PBKDF2

    loop = asyncio.get_running_loop()
    longest_stall = 0.0
    last = loop.time()

    async def heartbeat() -> None:
        nonlocal longest_stall, last
        while True:
            await asyncio.sleep(0.005)
            longest_stall = max(longest_stall, loop.time() - last)
            last = loop.time()

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.02)
    transfers = [(*rng.sample(names, 2), rng.randint(1, 3000)) for _ in range(1000)]
    results = await asyncio.gather(
        *(wallet.transfer(src, dst, amount) for src, dst, amount in transfers),
        wallet.set_pin(names[0], "2468"),
        return_exceptions=True,
    )
    await wallet.close()
    longest_stall = max(longest_stall, loop.time() - last)
    beat.cancel()

    succeeded = sum(1 for r in results[:-1] if not isinstance(r, BaseException))
    refused = sum(1 for r in results[:-1] if isinstance(r, InsufficientFunds))
    balances = store.snapshot()
    print(f"transfers: {succeeded} done, {refused} refused for insufficient funds")
    print(f"money in the system: {sum(balances.values())} (expected {10_000 * len(names)})")
    print(f"accounts below zero: {sum(1 for b in balances.values() if b < 0)}")
    print(
        f"notifications delivered by close(): {len(notifier.delivered)} (expected {2 * succeeded})"
    )
    print(f"longest event-loop stall: {longest_stall * 1000:.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
