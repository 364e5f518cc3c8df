"""Safe names: a scenario's name becomes the folder of its outputs, so it must be one plain folder name.

A name could otherwise reach outside ``out/`` (``../victim``, an absolute path), replace the
whole of ``out/`` (``""``, ``"."``), or make odd nested folders (``/``, control characters).
"""

from __future__ import annotations

import unicodedata

#: a folder name's length limit: well under the 255 bytes most file systems allow, leaving room
#: for the temporary names crmsim puts beside it while replacing it
MAX_NAME_CHARS = 100
MAX_NAME_BYTES = 200

FOLDER_NAME_RULE = (
    f"allowed: 1-{MAX_NAME_CHARS} characters, no / or \\, no control characters, not . or .., not starting with a dot"
)


def folder_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be one folder name inside ``out/``, or None if it can."""
    if not isinstance(name, str) or not name.strip():
        return "is empty"
    if "/" in name or "\\" in name:
        return "contains a / or \\ (it would reach into other folders)"
    if name in (".", "..") or name.startswith("."):
        return "starts with a dot (it would be the folder itself, its parent, or a hidden folder)"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        return "contains a control character"
    if len(name) > MAX_NAME_CHARS or len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"is {len(name)} characters long"
    return None
