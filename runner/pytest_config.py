"""A hidden suite's own pytest configuration, read as plain pytest would find it, and the one
file the grader writes from it.

The grader runs pytest with a configuration file of its own (``-c``), so that nothing in the
submission is read as configuration; the suite's settings (markers, ``asyncio_mode``,
``filterwarnings``, ``addopts``, ``xfail_strict``, ...) are copied into it, so that the suite
behaves as it does under plain pytest. The suite is the challenge author's: trusted input.
"""

from __future__ import annotations

import configparser
import shlex
import tomllib
from pathlib import Path

from runner.errors import ChallengeError

__all__ = ["Settings", "render_ini", "suite_settings"]

Settings = dict[str, str | list[str]]

# pytest's "args" and "paths" ini types are split like a shell line; every other list is one
# item per line ("linelist": markers, filterwarnings, ...).
_SHELL_SPLIT_KEYS = frozenset({"addopts", "python_files", "python_classes", "python_functions",
                               "testpaths", "norecursedirs", "usefixtures", "required_plugins",
                               "pythonpath"})


def suite_settings(folder: Path) -> Settings:
    """The ``[pytest]`` settings of the first configuration file pytest would use in
    ``folder``: pytest.ini, .pytest.ini, pyproject.toml, tox.ini, then setup.cfg.

    Raises:
        ChallengeError: the file that holds them cannot be read.
    """
    for name, section in (("pytest.ini", "pytest"), (".pytest.ini", "pytest"),
                          ("pyproject.toml", None), ("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        path = folder / name
        if not path.is_file():
            continue
        try:
            found = _from_toml(path) if section is None else _from_ini(path, section)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, configparser.Error) as e:
            raise ChallengeError(f"{path}: {e}") from None
        if found is not None:
            return found
        if name in ("pytest.ini", ".pytest.ini"):
            return {}  # pytest stops at a pytest.ini even without a [pytest] section
    return {}


def render_ini(settings: Settings) -> str:
    lines = ["[pytest]"]
    for key, value in settings.items():
        if isinstance(value, str):
            text = value
        elif key in _SHELL_SPLIT_KEYS:
            text = shlex.join(value)
        else:
            text = "".join(f"\n    {item}" for item in value)
        lines.append(f"{key} = {_indent(text)}")
    return "\n".join(lines) + "\n"


def _indent(text: str) -> str:
    """A value on several lines stays one value: continuation lines are indented."""
    first, *rest = text.split("\n")
    return "\n".join([first, *(f"    {line.strip()}" for line in rest if line.strip())])


def _from_ini(path: Path, section: str) -> Settings | None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    if not parser.has_section(section):
        return None
    return {key: value for key, value in parser.items(section)}


def _from_toml(path: Path) -> Settings | None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    options = data.get("tool", {}).get("pytest", {}).get("ini_options")
    if not isinstance(options, dict):
        return None
    settings: Settings = {}
    for key, value in options.items():
        if isinstance(value, list):
            settings[key] = [str(item) for item in value]
        elif isinstance(value, bool):
            settings[key] = "true" if value else "false"
        else:
            settings[key] = str(value)
    return settings
