"""Serve the candidate's app to the hidden tests, from the candidate's own container.

Each test asks for a fresh app (``POST /__assess__/apps`` with the tokens ``create_app`` is
given) and then sends its requests with an ``X-Assess-App`` header naming it; the header is
removed before the candidate's app sees a request. The app's lifespan runs as it would under
a test client. This file runs next to the candidate's code, so nothing here is trusted: it
only decides what the tests' HTTP requests get back, which is all the candidate controls.
"""

import asyncio
import json
import os
import sys
import traceback

sys.path.append("/submission")

import uvicorn

PORT = int(os.environ.get("ASSESS_SERVICE_PORT", "8000"))
HEADER = b"x-assess-app"
_apps = {}  # id -> (app, lifespan state)
_lifespans = []  # keeps the lifespan tasks alive


async def _respond(send, status, payload):
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive):
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


async def _start_lifespan(app, state):
    """Run the app's lifespan startup; an app without lifespan support is fine as it is."""
    inbox = asyncio.Queue()
    started = asyncio.get_running_loop().create_future()

    async def send(message):
        if message["type"] == "lifespan.startup.complete" and not started.done():
            started.set_result(None)
        elif message["type"] == "lifespan.startup.failed" and not started.done():
            started.set_exception(RuntimeError(message.get("message") or "lifespan startup failed"))

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": state}
    task = asyncio.ensure_future(app(scope, inbox.get, send))
    _lifespans.append(task)
    await inbox.put({"type": "lifespan.startup"})
    await asyncio.wait({started, task}, return_when=asyncio.FIRST_COMPLETED)
    if started.done():
        started.result()


async def _create(receive, send):
    try:
        tokens = json.loads(await _read_body(receive))["tokens"]
        from app.main import create_app

        app, state = create_app(set(tokens)), {}
        await _start_lifespan(app, state)
    except BaseException as e:  # noqa: BLE001 - the tests report the candidate's own error
        await _respond(send, 500, {"error": f"{e.__class__.__name__}: {e}",
                                   "traceback": traceback.format_exc(limit=8)})
        return
    app_id = str(len(_apps) + 1)
    _apps[app_id] = (app, state)
    await _respond(send, 201, {"app": app_id})


async def dispatch(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].removeprefix("lifespan.")
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    if scope["type"] != "http":
        return
    if scope["path"] == "/__assess__/apps" and scope["method"] == "POST":
        await _create(receive, send)
        return
    chosen = next((v.decode() for k, v in scope["headers"] if k == HEADER), None)
    if chosen not in _apps:
        await _respond(send, 400, {"error": f"no app {chosen!r}"})
        return
    app, state = _apps[chosen]
    headers = [(k, v) for k, v in scope["headers"] if k != HEADER]
    await app(dict(scope, headers=headers, state=dict(state)), receive, send)


if __name__ == "__main__":
    uvicorn.run(dispatch, host="127.0.0.1", port=PORT, log_level="warning", access_log=False,
                lifespan="on", http="h11", loop="asyncio")
