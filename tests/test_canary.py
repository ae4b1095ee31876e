"""The look-alike canary: a copy of one of the suite's own tests that is built to fail, in
that test's module, under a name made of the suite's own words."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

from runner.canary import plant_canaries
from tests.builders import write_tree

SUITE = {
    "solution.py": "def double(x):\n    return 2 * x\n",
    "test_numbers.py": (
        "from solution import double\n\n\n"
        "def test_double_small_number():\n  assert double(2) == 4\n\n\n"  # two-space indent
        "def test_double_zero(tmp_path):\n    (tmp_path / 'f').write_text('x')\n    assert double(0) == 0\n"),
    "test_shapes.py": (
        "import pytest\n\nfrom solution import double\n\n\n"
        "@pytest.mark.parametrize('n', [1, 2])\ndef test_decorated_double(n):\n    assert double(n) == 2 * n\n\n\n"
        "def test_returns_early():\n    if double(1) == 2:\n        return\n    assert False\n\n\n"
        "class TestInClass:\n    def test_method_double(self):\n        assert double(3) == 6\n"),
}


def run_pytest(suite: Path) -> dict[str, str]:
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", str(suite)],
                          cwd=suite, capture_output=True, text=True, check=False)
    outcomes = {}
    for line in done.stdout.splitlines():
        word, _, rest = line.partition(" ")
        if word in ("PASSED", "FAILED", "ERROR", "SKIPPED"):
            outcomes[rest.split(" - ")[0].split("::", 1)[1]] = word
    return outcomes


def test_a_look_alike_copies_a_plain_test_and_fails_whatever_the_code_does(tmp_path: Path) -> None:
    suite = write_tree(tmp_path / "suite", SUITE)
    before = run_pytest(suite)
    canaries = plant_canaries(suite, rng=random.Random(3))
    sentinels, [look_alike] = canaries[:2], canaries[2:]
    assert [c.function.startswith(p) for c, p in zip(sentinels, ("test_0", "test_zz"), strict=True)] == [True, True]
    assert look_alike.file == "test_numbers.py"  # only plain top-level tests are copied
    words = {"double", "small", "number", "zero", "decorated", "returns", "early"}
    assert set(look_alike.function.removeprefix("test_").split("_")) <= words
    after = run_pytest(suite)
    assert after.pop(look_alike.node_id.split("::", 1)[1]) == "FAILED"
    for sentinel in sentinels:
        assert after.pop(sentinel.function) == "FAILED"
    assert after == before  # the suite's own tests are untouched


def test_no_plain_test_means_sentinels_only(tmp_path: Path) -> None:
    suite = write_tree(tmp_path / "suite", {"solution.py": SUITE["solution.py"],
                                            "test_shapes.py": SUITE["test_shapes.py"]})
    assert len(plant_canaries(suite)) == 2  # the sentinels


def test_look_alikes_differ_from_run_to_run(tmp_path: Path) -> None:
    names = set()
    for seed in range(8):
        suite = write_tree(tmp_path / f"suite{seed}", SUITE)
        names.add(plant_canaries(suite, rng=random.Random(seed))[2].function)
    assert len(names) > 2


def test_canaries_are_planted_side_by_side(tmp_path: Path) -> None:
    """A batch prepares its sandboxes in parallel threads: planting must hold up there."""
    from concurrent.futures import ThreadPoolExecutor

    big = {**SUITE, **{f"test_more_{i}.py": SUITE["test_numbers.py"] * 20 for i in range(10)}}
    suites = [write_tree(tmp_path / f"suite{i}", big) for i in range(24)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        planted = list(pool.map(plant_canaries, suites))
    assert all(len(canaries) == 3 for canaries in planted)
