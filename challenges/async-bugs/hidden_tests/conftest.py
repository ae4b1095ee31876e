"""The graded suite: plain synchronous tests, each running its own event loop (see support.py).

No pytest plugin is needed: pytest-asyncio is deliberately not used, so the tests do not depend
on plugin configuration. This file exists so that pytest puts this folder on sys.path and the
test modules can import ``support``.
"""
