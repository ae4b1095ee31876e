"""Which challenges were proven by `assess validate`, in the form they have now.

A challenge nobody validated can grade every candidate 0 through a mistake of its own (a
fixture that cannot work, a test list that names no real test), and the results would look
like the candidates' failures. `assess validate` records a digest of what grades (the spec,
the hidden tests, the service files) once a challenge passes; `assess run` and `assess
batch` say so when the challenge they are given has no such record. The bundled challenges
are proven by this project's own test suite, on every change.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from runner.images import cache_dir
from runner.spec import Challenge

__all__ = ["grading_digest", "is_proven", "record_proven"]

_BUNDLED = Path(__file__).resolve().parent.parent / "challenges"
_IGNORED = ("__pycache__", ".pytest_cache")


def grading_digest(challenge: Challenge) -> str:
    """A hash of everything that decides a grade: challenge.toml, hidden_tests/, service/."""
    digest = hashlib.sha256()
    files = [challenge.root / "challenge.toml"]
    for folder in (challenge.hidden_tests, challenge.service_files):
        if folder.is_dir():
            files += sorted(p for p in folder.rglob("*") if p.is_file()
                            and not any(part in _IGNORED for part in p.parts) and p.suffix != ".pyc")
    for path in files:
        digest.update(path.relative_to(challenge.root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:24]


def record_proven(challenge: Challenge) -> None:
    stamp = _stamp(challenge)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(f"{challenge.root}\n", encoding="utf-8")


def is_proven(challenge: Challenge) -> bool:
    """Validated in its present form on this machine, or bundled with assess."""
    if challenge.root.resolve().parent == _BUNDLED:
        return True
    return _stamp(challenge).is_file()


def _stamp(challenge: Challenge) -> Path:
    return cache_dir() / "validated" / f"{challenge.id}-{grading_digest(challenge)}"
