"""Strip secret-looking strings from text before it leaves the process (LLM prompts).

One redactor for the whole product: ``audit.redact`` (the one that guards what is stored) with its
one marker text. This module only adapts it to the interpreter's plain-text use.
"""
from __future__ import annotations

from audit.redact import REDACTED, redact_text

__all__ = ["REDACTED", "has_secret", "redact"]


def redact(text: str) -> str:
    """``text`` with every secret-looking part replaced by ``REDACTED``."""
    return redact_text(text)


def has_secret(text: str) -> bool:
    return redact_text(text) != text
