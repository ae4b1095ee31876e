"""Top-level modules of a submission named like a standard-library or an installed one.

The grader appends the submission to the end of ``sys.path``, so a candidate's ``json.py`` or
``pytest/`` is never imported in place of the real one. Shipping one is still evidence of an
attempt (or an accident) a reviewer should see, so it is reported, never refused or penalised.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

__all__ = ["SANDBOX_PACKAGES", "shadowed_modules"]

# Top-level import names in the python sandbox's site-packages: what
# sandboxes/python/requirements.txt installs, their dependencies, and the venv's own pip and
# setuptools. Requirements name distributions, not import names, hence a list kept by hand;
# tests/test_ingest.py checks it against the built image.
SANDBOX_PACKAGES = frozenset({
    "_distutils_hack", "_pytest", "annotated_doc", "annotated_types", "anyio", "certifi",
    "click", "fastapi", "h11", "httpcore", "httpx", "idna", "iniconfig", "opentelemetry",
    "packaging", "pip", "pkg_resources", "pluggy", "py", "pydantic", "pydantic_core", "pygments",
    "pytest", "pytest_asyncio", "pytest_timeout", "setuptools", "starlette", "typing_extensions",
    "typing_inspection", "uvicorn",
})  # fmt: skip

# The sandbox runs Python 3.11; a newer host's sys.stdlib_module_names lacks these.
_STDLIB_311_REMOVED_LATER = frozenset({
    "aifc", "asynchat", "asyncore", "audioop", "cgi", "cgitb", "chunk", "crypt", "distutils",
    "imghdr", "imp", "lib2to3", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes",
    "smtpd", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib",
})  # fmt: skip

# The stdlib's own `test` package is the one clash candidates make by accident all the time
# (a test.py, a tests/ folder), and it is as harmless as the others: not worth a reviewer's time.
_NOT_REPORTED = frozenset({"test", "tests"})

_RESERVED = (
    frozenset(sys.stdlib_module_names) | _STDLIB_311_REMOVED_LATER | SANDBOX_PACKAGES
) - _NOT_REPORTED


def shadowed_modules(files: Iterable[str]) -> tuple[str, ...]:
    """The top-level modules among ``files`` that are named like a reserved one, sorted.

    Args:
        files: paths of files and links relative to the submission's root, "/"-separated.

    Returns:
        ``NAME.py`` for a module, ``NAME/`` for a folder directly holding a ``.py`` file (a
        package, or a namespace package when it has no ``__init__.py``).
    """
    found: set[str] = set()
    for path in files:
        top, sep, rest = path.partition("/")
        if not sep and top.endswith(".py") and top[:-3] in _RESERVED:
            found.add(top)
        elif sep and top in _RESERVED and "/" not in rest and rest.endswith(".py"):
            found.add(top + "/")
    return tuple(sorted(found))
