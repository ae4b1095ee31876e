"""output.log is the candidate's bytes made safe to print: no sequence reaches a terminal."""

from __future__ import annotations

import pytest

from runner.logtext import readable_log


@pytest.mark.parametrize(("raw", "shown"), [
    (b"\x1b[31mred\x1b[0m text", b"red text"),  # colours
    (b"\x1b]0;window title\x07after", b"after"),  # the terminal's title
    (b"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", b"link"),  # a hyperlink
    (b"\x1b[2J\x1b[Hcleared", b"cleared"),  # clear the screen, move the cursor
    (b"\x1bPq#0;2;0;0;0\x1b\\sixel", b"sixel"),  # a device control string
    (b"\x1b[6n\x1b[cquery", b"query"),  # queries the terminal would answer on stdin
    ("\x9b31mC1\x9b0m".encode(), b"C1"),  # the one-byte CSI (U+009B), as UTF-8
    (b"\x1b[unfinished", b"nfinished"),  # a sequence cut by the output cap
])
def test_escape_sequences_are_removed_whole(raw: bytes, shown: bytes) -> None:
    assert readable_log(raw) == shown


def test_other_control_characters_are_shown_not_sent() -> None:
    assert readable_log(b"bell\x07 back\x08 nul\x00 cr\r del\x7f") == \
        b"bell\\x07 back\\x08 nul\\x00 cr\\x0d del\\x7f"


def test_text_stays_readable() -> None:
    text = "===== 3 passed, 1 failed =====\n\tcafé ✓\r\nlast line".encode()
    assert readable_log(text) == "===== 3 passed, 1 failed =====\n\tcafé ✓\nlast line".encode()


def test_bytes_that_are_not_utf8_become_replacement_characters() -> None:
    assert readable_log(b"a\xffb") == "a\ufffdb".encode()
