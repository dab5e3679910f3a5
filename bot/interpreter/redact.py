"""Strip secret-looking strings from text before it leaves the process (LLM prompts)."""
from __future__ import annotations

import re

REDACTED = "[redacted]"
_PATTERNS = [re.compile(p) for p in (
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
    r"\bxox[abposr]-[A-Za-z0-9-]{8,}",  # Slack tokens
    r"\bxapp-[A-Za-z0-9-]{8,}",
    r"\bhf_[A-Za-z0-9]{16,}",  # Hugging Face
    r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}",  # OpenAI / Anthropic
    r"\bgh[pousr]_[A-Za-z0-9]{20,}",  # GitHub
    r"\bgithub_pat_[A-Za-z0-9_]{20,}",
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",  # AWS access key id
    r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",  # JWT / k8s SA token
    r"(?i)\b(?:client-key-data|client-certificate-data|certificate-authority-data|token|password|passwd|"
    r"secret|api[_-]?key|access[_-]?key|private[_-]?key)\s*[:=]\s*\S+",
    r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{12,}",
    r"\b[A-Za-z0-9+/]{40,}={0,2}",  # long base64 blobs
    r"\b[0-9a-f]{32,}\b",  # long hex strings
)]


def redact(text: str) -> str:
    for rx in _PATTERNS:
        text = rx.sub(REDACTED, text)
    return text


def has_secret(text: str) -> bool:
    return any(rx.search(text) for rx in _PATTERNS)
