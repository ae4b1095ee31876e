"""The sandbox's output made safe to print: ``output.log`` is the candidate's bytes, and a
reviewer who runs ``cat output.log`` must not have their terminal driven by them.

Escape sequences (colours, cursor moves, window titles, hyperlinks, device queries) are
removed whole; any other control character is shown as ``\\xNN``; newlines and tabs stay.
Bytes that are not UTF-8 are shown as U+FFFD. What remains reads as the text it was.
"""

from __future__ import annotations

import re

__all__ = ["readable_log"]

# ECMA-48: CSI (ESC [ or 0x9b ... final byte), OSC/DCS/APC/PM/SOS strings (ended by BEL or
# ESC \ or the end of the stream), and two-byte ESC sequences.
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def readable_log(output: bytes) -> bytes:
    text = _SEQUENCES.sub("", output.decode("utf-8", errors="replace"))
    text = text.replace("\r\n", "\n")
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text).encode("utf-8")
