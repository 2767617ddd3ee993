"""Names from a vault made safe to print: control characters escaped, as GNU `ls -b` does.

A name in a vault is whatever its writer chose. Printed raw, an escape sequence in it can
repaint the terminal (or set its title, or worse on old terminals), a CR or LF splits one
entry into two lines, and a bidi override shows `txt.exe` as `exe.txt`. So every name
the CLI prints in text is escaped, whether stdout is a terminal or not: output piped to
`less -R`, a log file or a line-oriented script is read the same way later. `--json`
output stays exact (JSON escapes control characters itself).

Escaped: C0 controls, DEL, C1 controls, the Unicode line and paragraph separators, and
the bidi embedding, override, isolate and mark characters. C escapes where there is one
(`\\n`, `\\t`…), otherwise `\\xHH` or `\\uHHHH`. In names a backslash is doubled too, so
that a shown name maps back to exactly one real name.
"""

from __future__ import annotations

import re

_NAMED = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f",
          "\r": "\\r", "\\": "\\\\"}
# C0, DEL, C1; Arabic letter mark; LRM/RLM; line and paragraph separators; LRE, RLE, PDF,
# LRO, RLO; LRI, RLI, FSI, PDI.
_CONTROLS = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
_UNSAFE_IN_TEXT = re.compile(f"[{_CONTROLS}]")
_UNSAFE_IN_NAME = re.compile(f"[{_CONTROLS}\\\\]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_name(name: str) -> str:
    """A vault name or path as printed in text output: unambiguous, one line, inert."""
    if not _UNSAFE_IN_NAME.search(name):
        return name
    return _UNSAFE_IN_NAME.sub(_escape, name)


def safe_message(text: str) -> str:
    """A message that may quote names: control characters escaped, backslashes kept."""
    if not _UNSAFE_IN_TEXT.search(text):
        return text
    return _UNSAFE_IN_TEXT.sub(_escape, text)
