"""Shared fixtures. Tests marked ``docker`` run real containers: they fail, never skip,
when no engine answers (deselect them with ``-m "not docker"``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.images import ensure_image
from runner.sandbox import Engine, ImageRef

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    engine = Engine.connect()
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def python_image(engine: Engine) -> ImageRef:
    return ensure_image(engine, "python")


@pytest.fixture(autouse=True)
def no_container_left_behind(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every docker test must leave no container of ours behind, whatever path it took."""
    if request.node.get_closest_marker("docker") is None:
        yield
        return
    engine: Engine = request.getfixturevalue("engine")
    yield
    # Only this process's: another assess (or test run) may share the engine.
    left = engine.project_containers(owner_pid=os.getpid())
    engine.remove_orphans(owner_pid=os.getpid())
    assert left == [], f"containers left behind: {left}"

TINY = FIXTURES / "challenges" / "tiny"
SUBMISSIONS = FIXTURES / "submissions"


def tiny_challenge_with(tmp_path: Path, **limits: float) -> Path:
    """A copy of the tiny challenge with some limits overridden."""
    import shutil

    folder = tmp_path / "challenges" / "tiny"
    shutil.copytree(TINY, folder)
    lines = "".join(f"{key} = {value}\n" for key, value in limits.items())
    with (folder / "challenge.toml").open("a") as spec:
        spec.write(f"\n[limits]\n{lines}")
    return folder
