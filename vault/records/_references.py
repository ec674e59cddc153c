"""Reference tokens: what the claims dossier holds instead of a record id (R35).

Format ``kr1_`` + 32 URL-safe base64 characters (24 random bytes). Random, so they say nothing about the subject;
each row binds its token to one record, case and organisation, so a token replayed under another case resolves to
nothing.
"""

from __future__ import annotations

import re
import secrets

PREFIX = "kr1_"
_PATTERN = re.compile(r"kr1_[A-Za-z0-9_-]{32}")


def new_reference() -> str:
    return PREFIX + secrets.token_urlsafe(24)


def is_reference(text: str) -> bool:
    return len(text) == 36 and _PATTERN.fullmatch(text) is not None
