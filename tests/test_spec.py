"""Challenge specs: loading by id or path, every validation error, and the bundled challenges."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runner.errors import EXIT_BAD_INPUT, ChallengeError
from runner.spec import (
    SPEC_FILE,
    Challenge,
    Limits,
    default_challenges_dir,
    find_challenges,
    load_challenge,
)

BUNDLED = Path(__file__).resolve().parent.parent / "challenges"

MINIMAL = """\
id = "{id}"
title = "Hello"

[[categories]]
name = "core"
weight = 10

[[tests]]
id = "test_hello.py::test_greets"
category = "core"
"""


def write_challenge(base: Path, challenge_id: str = "hello", toml: str | None = None,
                    hidden_tests: bool = True) -> Path:
    """A challenge folder under ``base``; returns the folder."""
    root = base / challenge_id
    root.mkdir(parents=True)
    (root / SPEC_FILE).write_text(MINIMAL.format(id=challenge_id) if toml is None else toml)
    if hidden_tests:
        (root / "hidden_tests").mkdir()
    return root


def load_error(root: Path) -> str:
    with pytest.raises(ChallengeError) as excinfo:
        load_challenge(root)
    return str(excinfo.value)


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty folder with no $ASSESS_CHALLENGES: an id must not match a stray ./<id>."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("ASSESS_CHALLENGES", raising=False)


@pytest.fixture
def challenges(tmp_path: Path) -> Path:
    base = tmp_path / "challenges"
    base.mkdir()
    return base


# --- loading ----------------------------------------------------------------------------

def test_minimal_spec_loads_with_defaults(challenges: Path) -> None:
    root = write_challenge(challenges)
    challenge = load_challenge(root)
    spec = challenge.spec
    assert (challenge.id, spec.title, spec.summary) == ("hello", "Hello", "")
    assert (spec.difficulty, spec.image, spec.duration_minutes) == ("medium", "python", 60)
    assert spec.starter_max_percent == 40
    assert spec.skills == []
    assert [(c.name, c.weight, c.description) for c in spec.categories] == [("core", 10, "")]
    assert [(t.id, t.category, t.weight) for t in spec.tests] == [
        ("test_hello.py::test_greets", "core", 1.0),
    ]
    assert challenge.root == root.resolve()
    assert challenge.hidden_tests == root.resolve() / "hidden_tests"
    assert challenge.reference == root.resolve() / "reference"


def test_limits_defaults() -> None:
    assert Limits().model_dump() == {
        "timeout_seconds": 120, "test_timeout_seconds": 20, "grace_seconds": 5,
        "memory_mb": 512, "cpus": 1.0, "pids": 128, "scratch_mb": 64, "file_mb": 64,
        "output_kb": 1024,
    }


def test_limits_overrides_keep_the_other_defaults(challenges: Path) -> None:
    toml = MINIMAL.format(id="hello") + "\n[limits]\ntimeout_seconds = 30\nmemory_mb = 1024\n"
    limits = load_challenge(write_challenge(challenges, toml=toml)).spec.limits
    assert (limits.timeout_seconds, limits.memory_mb) == (30, 1024)
    assert limits.model_dump() == {**Limits().model_dump(), "timeout_seconds": 30, "memory_mb": 1024}


def test_full_spec_loads(challenges: Path) -> None:
    toml = """\
id = "rest-api"
title = "Build a REST endpoint"
summary = "One line."
difficulty = "hard"
skills = ["REST design", "validation"]
duration_minutes = 90
image = "python"
starter_max_percent = 25

[[categories]]
name = "validation"
weight = 20
description = "Rejects bad input"

[[categories]]
name = "crud"
weight = 30

[[tests]]
id = "test_products.py::test_create_rejects_negative_price"
category = "validation"
weight = 2.5

[[tests]]
id = "sub/test_crud.py::TestCreate::test_ok[json]"
category = "crud"
"""
    spec = load_challenge(write_challenge(challenges, "rest-api", toml=toml)).spec
    assert (spec.difficulty, spec.skills, spec.duration_minutes) == (
        "hard", ["REST design", "validation"], 90)
    assert spec.starter_max_percent == 25
    assert [(t.id, t.weight) for t in spec.tests] == [
        ("test_products.py::test_create_rejects_negative_price", 2.5),
        ("sub/test_crud.py::TestCreate::test_ok[json]", 1.0),
    ]


def test_load_by_id_and_by_path_agree(challenges: Path) -> None:
    root = write_challenge(challenges)
    by_id = load_challenge("hello", challenges)
    assert by_id.root == root.resolve()
    assert load_challenge(str(root), challenges).root == root.resolve()
    assert load_challenge(root).root == root.resolve()
    assert by_id.spec == load_challenge(root).spec


def test_load_by_id_uses_the_default_challenges_dir(challenges: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    write_challenge(challenges)
    monkeypatch.setenv("ASSESS_CHALLENGES", str(challenges))
    assert load_challenge("hello").id == "hello"


def test_default_challenges_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_challenges_dir() == BUNDLED  # nothing in ./ and no variable
    (Path.cwd() / "challenges").mkdir()
    assert default_challenges_dir() == Path.cwd() / "challenges"
    monkeypatch.setenv("ASSESS_CHALLENGES", str(tmp_path / "mine"))
    assert default_challenges_dir() == tmp_path / "mine"


def test_unknown_id_lists_the_known_ones(challenges: Path) -> None:
    write_challenge(challenges, "beta")
    write_challenge(challenges, "alpha")
    (challenges / "notes").mkdir()  # no challenge.toml: not a challenge
    with pytest.raises(ChallengeError) as excinfo:
        load_challenge("gamma", challenges)
    assert str(excinfo.value) == f"unknown challenge 'gamma' (known in {challenges}: alpha, beta)"
    assert excinfo.value.exit_code == EXIT_BAD_INPUT


def test_unknown_id_in_an_empty_folder(challenges: Path) -> None:
    with pytest.raises(ChallengeError, match=r"^unknown challenge 'hello' \(known in .*: none\)$"):
        load_challenge("hello", challenges)


def test_unknown_id_is_reported_even_beside_a_broken_challenge(challenges: Path) -> None:
    write_challenge(challenges, "alpha")
    write_challenge(challenges, "broken", toml="id = [")  # being written by someone else
    with pytest.raises(ChallengeError) as excinfo:
        load_challenge("alpah", challenges)
    assert str(excinfo.value) == f"unknown challenge 'alpah' (known in {challenges}: alpha, broken)"


def test_id_with_a_slash_is_not_looked_up_in_the_challenges_dir(challenges: Path) -> None:
    write_challenge(challenges / "nested", "hello")
    with pytest.raises(ChallengeError, match="^unknown challenge 'nested/hello'"):
        load_challenge("nested/hello", challenges)


# --- invalid specs ----------------------------------------------------------------------

def test_missing_spec_file(challenges: Path) -> None:
    root = challenges / "hello"
    (root / "hidden_tests").mkdir(parents=True)
    assert load_error(root) == (
        f"{root.resolve() / SPEC_FILE}: missing (a challenge folder needs a {SPEC_FILE})")


def test_invalid_toml_names_the_file_and_the_line(challenges: Path) -> None:
    root = write_challenge(challenges, toml='id = "hello"\ntitle = "unclosed\n')
    message = load_error(root)
    assert message.startswith(f"{root.resolve() / SPEC_FILE}: ")
    assert "line 2" in message


def test_non_utf8_spec_is_an_error(challenges: Path) -> None:
    root = write_challenge(challenges)
    (root / SPEC_FILE).write_bytes(b'id = "h\xffllo"\n')
    assert load_error(root).startswith(f"{root.resolve() / SPEC_FILE}: ")


@pytest.mark.parametrize(("extra", "field"), [
    ('colour = "red"\n', "colour"),
    ("[limits]\nmemry_mb = 256\n", "limits.memry_mb"),
    ('[[categories]]\nname = "more"\nweight = 1\npoints = 3\n', "categories.1.points"),
])
def test_unknown_key_names_the_file_and_the_field(challenges: Path, extra: str, field: str) -> None:
    toml = MINIMAL.format(id="hello")
    if not extra.startswith("["):
        toml = extra + toml  # a top-level key must come before the first table
    else:
        toml += extra
    root = write_challenge(challenges, toml=toml)
    assert load_error(root) == f"{root.resolve() / SPEC_FILE}: {field}: Extra inputs are not permitted"


def test_missing_required_field(challenges: Path) -> None:
    root = write_challenge(challenges, toml=MINIMAL.format(id="hello").replace('title = "Hello"\n', ""))
    assert load_error(root) == f"{root.resolve() / SPEC_FILE}: title: Field required"


def test_duplicate_test_id(challenges: Path) -> None:
    toml = MINIMAL.format(id="hello") + '\n[[tests]]\nid = "test_hello.py::test_greets"\ncategory = "core"\n'
    root = write_challenge(challenges, toml=toml)
    assert load_error(root) == (
        f"{root.resolve() / SPEC_FILE}: spec: Value error, duplicate test ids: test_hello.py::test_greets")


def test_test_in_unknown_category(challenges: Path) -> None:
    toml = MINIMAL.format(id="hello") + '\n[[tests]]\nid = "test_hello.py::test_waves"\ncategory = "nope"\n'
    root = write_challenge(challenges, toml=toml)
    assert load_error(root) == f"{root.resolve() / SPEC_FILE}: spec: Value error, tests name unknown categories: nope"


def test_category_without_tests(challenges: Path) -> None:
    toml = MINIMAL.format(id="hello") + '\n[[categories]]\nname = "style"\nweight = 5\n'
    root = write_challenge(challenges, toml=toml)
    assert load_error(root) == f"{root.resolve() / SPEC_FILE}: spec: Value error, categories without tests: style"


def test_duplicate_category_name(challenges: Path) -> None:
    toml = MINIMAL.format(id="hello") + '\n[[categories]]\nname = "core"\nweight = 5\n'
    root = write_challenge(challenges, toml=toml)
    assert load_error(root) == f"{root.resolve() / SPEC_FILE}: spec: Value error, category names must be unique"


def test_no_categories(challenges: Path) -> None:
    toml = 'id = "hello"\ntitle = "Hello"\ncategories = []\ntests = []\n'
    root = write_challenge(challenges, toml=toml)
    assert load_error(root) == f"{root.resolve() / SPEC_FILE}: spec: Value error, at least one category is required"


@pytest.mark.parametrize("bad_id", [
    "test_hello.py",  # no test name
    "test_hello::test_greets",  # no .py file
    "test_hello.py::test greets",  # whitespace
    "test_hello.py::",  # empty name
    "test_hello.py:::test_greets",
])
def test_bad_test_id_format(challenges: Path, bad_id: str) -> None:
    root = write_challenge(challenges, toml=MINIMAL.format(id="hello").replace(
        "test_hello.py::test_greets", bad_id))
    assert load_error(root).startswith(
        f"{root.resolve() / SPEC_FILE}: tests.0.id: String should match pattern")


@pytest.mark.parametrize(("replace", "by", "field"), [
    ('id = "hello"', 'id = "Hello World"', "id"),
    ("weight = 10", "weight = 0", "categories.0.weight"),
    ('name = "core"', 'name = "Core Stuff"', "categories.0.name"),
    ('title = "Hello"', 'title = "Hello"\ndifficulty = "brutal"', "difficulty"),
    ('title = "Hello"', 'title = "Hello"\nstarter_max_percent = 101', "starter_max_percent"),
    ('title = "Hello"', 'title = "Hello"\nimage = "../etc"', "image"),
])
def test_bad_values_name_their_field(challenges: Path, replace: str, by: str, field: str) -> None:
    toml = MINIMAL.format(id="hello").replace(replace, by)
    root = write_challenge(challenges, toml=toml)
    assert load_error(root).startswith(f"{root.resolve() / SPEC_FILE}: {field}: ")


@pytest.mark.parametrize(("limit", "value"), [
    ("memory_mb", 8), ("timeout_seconds", 0), ("pids", 1_000_000), ("cpus", -1),
])
def test_limits_out_of_range(challenges: Path, limit: str, value: int) -> None:
    toml = MINIMAL.format(id="hello") + f"\n[limits]\n{limit} = {value}\n"
    root = write_challenge(challenges, toml=toml)
    assert load_error(root).startswith(f"{root.resolve() / SPEC_FILE}: limits.{limit}: ")


def test_missing_hidden_tests_folder(challenges: Path) -> None:
    root = write_challenge(challenges, hidden_tests=False)
    assert load_error(root) == f"{root.resolve()}: missing hidden_tests/ folder"


# --- finding challenges -----------------------------------------------------------------

def test_find_challenges_sorts_by_id(challenges: Path) -> None:
    for challenge_id in ("mango", "apple", "zebra-2", "kiwi", "banana"):
        write_challenge(challenges, challenge_id)
    (challenges / "README.md").write_text("not a challenge")
    (challenges / "drafts").mkdir()
    assert [c.id for c in find_challenges(challenges)] == ["apple", "banana", "kiwi", "mango", "zebra-2"]


def test_find_challenges_in_a_missing_folder(tmp_path: Path) -> None:
    assert find_challenges(tmp_path / "nowhere") == []


def test_find_challenges_reports_an_invalid_one(challenges: Path) -> None:
    write_challenge(challenges, "alpha")
    write_challenge(challenges, "broken", hidden_tests=False)
    with pytest.raises(ChallengeError, match="broken: missing hidden_tests/ folder$"):
        find_challenges(challenges)


# --- the bundled challenges -------------------------------------------------------------

BUNDLED_SPECS = sorted(BUNDLED.glob(f"*/{SPEC_FILE}"))


@pytest.fixture(params=BUNDLED_SPECS, ids=[p.parent.name for p in BUNDLED_SPECS])
def bundled(request: pytest.FixtureRequest) -> Challenge:
    spec_path: Path = request.param
    return load_challenge(spec_path.parent)


def test_bundled_challenge_loads_under_its_folder_name(bundled: Challenge) -> None:
    assert bundled.id == bundled.root.name
    assert load_challenge(bundled.id, BUNDLED).root == bundled.root


def test_bundled_challenge_tests_exist_in_hidden_tests(bundled: Challenge) -> None:
    absent = []
    for test in bundled.spec.tests:
        path, *scopes = test.id.split("::")
        source = bundled.hidden_tests / path
        text = source.read_text(encoding="utf-8") if source.is_file() else ""
        function = scopes[-1].split("[")[0]
        wanted = [rf"^\s*(async\s+)?def {re.escape(function)}\(", *(
            rf"^\s*class {re.escape(cls)}\b" for cls in scopes[:-1])]
        if not all(re.search(w, text, re.MULTILINE) for w in wanted):
            absent.append(test.id)
    assert absent == []


def test_id_must_equal_the_folder_name(challenges: Path) -> None:
    root = write_challenge(challenges, "hello")
    (root / SPEC_FILE).write_text(MINIMAL.format(id="other"))
    assert "id 'other' differs from its folder name 'hello'" in load_error(root)


def test_bare_id_prefers_the_challenges_dir_over_a_folder_in_the_working_directory(
        challenges: Path, tmp_path: Path) -> None:
    bundled = write_challenge(challenges, "hello")
    write_challenge(tmp_path / "cwd", "hello")  # a stray ./hello
    assert load_challenge("hello", challenges).root == bundled.resolve()
    assert load_challenge("./hello", challenges).root == (tmp_path / "cwd" / "hello").resolve()
