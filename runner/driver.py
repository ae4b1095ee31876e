"""The grader's generic driver: a challenge's scenarios run beside the candidate's code, the
hidden tests' assertions in another container, and only plain JSON crosses between them.

One file, standard library only, because the harness copies it into both containers:

- ``python driver.py --scenarios /service/scenarios.py --port 8000`` (the candidate's
  container) serves each public function the scenarios file defines (or each name of its
  ``__all__``) as a step:
  ``POST /call {"step": name, "args": {...}}`` answers ``{"value": ...}``, or ``{"error":
  {"type", "message", "traceback"}}`` when the step raised.
- ``Driver`` (the tests' container) calls those steps and returns what they answered,
  parsed from JSON: built-in types only, so an object of the candidate's never gets to answer
  an ``==`` in a hidden test. Without ``ASSESS_SERVICE_URL`` (an author's local run beside a
  solution) it calls the scenarios file in process, through the same JSON round trip.

Nothing that runs in the candidate's container can be trusted, this file included: the
candidate's code may patch it. What it cannot do is see the expected values, which stay in
the tests. Scenario authors: return observations, never verdicts (see challenges/README.md).
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["SERVICE_URL_ENV", "Driver", "StepFailed", "serve"]

SERVICE_URL_ENV = "ASSESS_SERVICE_URL"
_READY_PATH = "/__assess__/ready"
_CALL_PATH = "/call"
_MAX_REQUEST_BYTES = 8 * 2**20
_MAX_ANSWER_BYTES = 32 * 2**20
_TRACEBACK_LIMIT = 8  # the innermost frames: an asyncio step's outermost are the loop's


class StepFailed(Exception):
    """A step raised in the candidate's container, or did not answer: the test fails with
    the candidate's own error, as it would have in process."""


# --- the candidate's container --------------------------------------------------------


def _load_scenarios(path: Path) -> ModuleType:
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))  # the scenarios' own helper modules
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"driver: cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def _steps_of(scenarios: ModuleType) -> dict[str, Callable[..., Any]]:
    """The names in the scenarios' ``__all__``, or else the public functions the file itself
    defines (not what it imports). Taken once, when the file is loaded, before any code of
    the candidate's runs: replacing a step in the module later changes nothing."""
    listed = getattr(scenarios, "__all__", None)
    found = {name: getattr(scenarios, name, None) for name in listed} if listed is not None else {
        name: value for name, value in vars(scenarios).items()
        if getattr(value, "__module__", None) == scenarios.__name__}
    return {name: value for name, value in found.items()
            if callable(value) and name.isidentifier() and not name.startswith("_")}


def _run_step(steps: dict[str, Callable[..., Any]], step: str, args: dict[str, Any]) -> bytes:
    """The answer to one call, encoded as JSON (which refuses what is not plain data);
    never raises."""
    function = steps.get(step)
    if function is None:
        return _encoded_error("UnknownStep", f"no step named {step!r}", "")
    try:
        return json.dumps({"value": function(**args)}, allow_nan=False).encode()
    except BaseException as e:
        if isinstance(e, (KeyboardInterrupt, SystemExit)) and threading.current_thread() is threading.main_thread():
            raise
        return _encoded_error(e.__class__.__name__, str(e)[:2000],
                              traceback.format_exc(limit=-_TRACEBACK_LIMIT)[-4000:])


def _encoded_error(kind: str, message: str, trace: str) -> bytes:
    return json.dumps({"error": {"type": kind, "message": message, "traceback": trace}}).encode()


def serve(scenarios_path: Path, port: int) -> None:
    """Serve the steps of ``scenarios_path`` on 127.0.0.1:``port`` until killed.

    Each connection is served by a thread of its own: a step that hangs holds its
    connection's thread only, and the test that called it times out and connects anew.
    """
    sys.path.append("/submission")  # last: the candidate cannot shadow a module of ours
    steps = _steps_of(_load_scenarios(scenarios_path))
    run_step = _run_step  # bound here: patching the module's name later changes nothing

    class Handler(BaseHTTPRequestHandler):
        # One connection for all of a test run's calls, answered without Nagle's delay: a
        # suite makes hundreds of calls, and a new connection each costs more than the call.
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the candidate's output is what output.log is for

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer(200 if self.path == _READY_PATH else 404, b"{}")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if self.path != _CALL_PATH or not 0 < length <= _MAX_REQUEST_BYTES:
                self._answer(400, _encoded_error("BadCall", "POST /call", ""))
                return
            call = json.loads(self.rfile.read(length))
            self._answer(200, run_step(steps, str(call["step"]), dict(call.get("args") or {})))

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


# --- the tests' container -------------------------------------------------------------


class Driver:
    """Calls the steps of a challenge's scenarios; answers are plain data.

    ``Driver.for_tests(scenarios)`` picks the channel: HTTP to the candidate's container when
    the grader set ``ASSESS_SERVICE_URL``, else the scenarios file in process (a local run).
    """

    def __init__(self, *, url: str | None = None, scenarios: ModuleType | None = None,
                 step_timeout: float = 30.0, start_timeout: float = 10.0) -> None:
        self._url = url
        self._steps = _steps_of(scenarios) if scenarios is not None else None
        self._step_timeout = step_timeout
        self._start_timeout = start_timeout
        self._ready = False
        self._connection: http.client.HTTPConnection | None = None
        self._one_call_at_a_time = threading.Lock()  # the connection is shared

    @classmethod
    def for_tests(cls, scenarios_path: Path | str, *, step_timeout: float = 30.0,
                  start_timeout: float = 10.0) -> Driver:
        url = os.environ.get(SERVICE_URL_ENV)
        if url:
            return cls(url=url, step_timeout=step_timeout, start_timeout=start_timeout)
        return cls(scenarios=_load_scenarios(Path(scenarios_path)), step_timeout=step_timeout,
                   start_timeout=start_timeout)

    def __call__(self, step: str, /, **args: Any) -> Any:
        """Run ``step`` with ``args`` beside the candidate's code and return what it answered.

        Raises:
            StepFailed: the step raised (its type, message and traceback are in the text), or
                it did not answer within the step timeout.
        """
        __tracebackhide__ = True
        payload = json.dumps({"step": step, "args": args}, allow_nan=False)
        if self._steps is not None:
            answer = json.loads(_run_step(self._steps, step, json.loads(payload)["args"]))
        else:
            with self._one_call_at_a_time:
                answer = self._post(step, payload.encode())
        if not isinstance(answer, dict) or ("value" not in answer and "error" not in answer):
            raise StepFailed(f"step {step}: the driver answered something that is not an answer")
        if "error" in answer:
            error = answer["error"] if isinstance(answer["error"], dict) else {}
            raise StepFailed(f"step {step} raised {error.get('type', '?')}: {error.get('message', '')}\n"
                             f"{error.get('traceback', '')}".rstrip())
        return answer["value"]

    def _post(self, step: str, body: bytes) -> Any:
        __tracebackhide__ = True
        assert self._url is not None
        host, _, port = self._url.removeprefix("http://").partition(":")
        self._wait_until_ready(host, int(port or 80))
        if self._connection is None:
            self._connection = http.client.HTTPConnection(host, int(port or 80), timeout=self._step_timeout)
        connection = self._connection
        try:
            connection.request("POST", _CALL_PATH, body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            raw = response.read(_MAX_ANSWER_BYTES + 1)
        except TimeoutError:
            self._drop_connection()  # its late answer must not be read as the next call's
            raise StepFailed(f"step {step} did not answer within {self._step_timeout:g} s") from None
        except (OSError, http.client.HTTPException) as e:
            self._drop_connection()
            raise StepFailed(f"step {step}: the candidate's container stopped answering ({e!r})") from None
        if response.will_close or len(raw) > _MAX_ANSWER_BYTES:
            self._drop_connection()
        if len(raw) > _MAX_ANSWER_BYTES:
            raise StepFailed(f"step {step}: the answer is larger than {_MAX_ANSWER_BYTES} bytes")
        try:
            return json.loads(raw)
        except ValueError:
            raise StepFailed(f"step {step}: the answer is not JSON") from None

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _wait_until_ready(self, host: str, port: int) -> None:
        __tracebackhide__ = True
        deadline = time.monotonic() + self._start_timeout
        while not self._ready:
            connection = http.client.HTTPConnection(host, port, timeout=1)
            try:
                connection.request("GET", _READY_PATH)
                self._ready = connection.getresponse().status == 200
            except (OSError, http.client.HTTPException):
                if time.monotonic() > deadline:
                    raise StepFailed("the candidate's container never started its driver "
                                     "(its code may fail to import: see output.log)") from None
                time.sleep(0.05)
            finally:
                connection.close()


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenarios", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args()
    serve(options.scenarios, options.port)


if __name__ == "__main__":
    _main()
