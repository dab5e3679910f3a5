"""Remove secrets from anything before it is written (pure; applied to every stored field).

``redact(value)`` returns a JSON-safe copy of ``value`` (dicts, lists, strings, numbers, bools,
None; pydantic models, dataclasses, sets, datetimes and ``SecretStr`` are converted first) where

* a dict value whose key names a secret (``token``, ``password``, ``api_key``, ``authorization``,
  ``signing_secret``, ``client_secret``, ``client-key-data``, ``client-certificate-data``,
  ``private_key``, ``HF_TOKEN``, ``aws_secret_access_key``, ... see ``is_secret_key``) becomes
  ``"[REDACTED]"``. Names that merely *refer* to a secret (KAITO's ``modelAccessSecret``,
  ``imagePullSecrets``, ``secretName``) are kept: they hold the name of a Kubernetes Secret;
* inside every string: Slack tokens (``xoxb-``, ``xoxp-``, ``xapp-``, ``xoxa-``, ``xoxe-``, ...),
  Slack webhook URLs, ``Authorization:`` header values, ``Bearer``/``Basic`` credentials, PEM
  blocks, JWTs (Kubernetes service-account tokens), Hugging Face ``hf_`` tokens, OpenAI/Anthropic
  style ``sk-`` keys, GitHub tokens, AWS access key ids, passwords in URLs (``https://u:p@h``) and
  ``key=value`` / ``key: value`` pairs whose key names a secret (``HF_TOKEN=...``,
  ``client-key-data: ...``) have the secret part replaced by ``[REDACTED]``.

Control characters other than tab/newline/CR and NUL are kept except NUL (replaced by U+FFFD) and
lone surrogates (not UTF-8-encodable) are replaced, so every stored string is valid UTF-8.
"""
from __future__ import annotations

import dataclasses
from functools import lru_cache
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr

REDACTED = "[REDACTED]"

_SECRET_KEYS = {
    "token", "secret", "password", "passwd", "pwd", "passphrase", "apikey", "xapikey",
    "authorization", "proxyauthorization", "cookie", "setcookie", "bearer", "credentials",
    "credential", "clientsecret", "signingsecret", "webhooksecret", "privatekey",
    "clientkeydata", "clientcertificatedata", "secretkey", "accesskeysecret",
    "awssecretaccesskey", "secretaccesskey", "sessiontoken", "hftoken",
}
_SECRET_SUFFIXES = (
    "token", "password", "passwd", "passphrase", "apikey", "secretkey", "secretaccesskey",
    "signingsecret", "clientsecret", "webhooksecret", "privatekey", "keydata", "certificatedata",
)
# "db_secret", "app-secret": a separated "secret" word at the end (camelCase "modelAccessSecret"
# names a Kubernetes Secret and is kept).
_SEPARATED_SECRET = re.compile(r"(?:^|[_\-. ])secrets?$")


@lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """True if a dict key names secret material (see module docstring)."""
    low = key.strip().lower()
    norm = re.sub(r"[^a-z0-9]", "", low)
    if not norm:
        return False
    if norm in _SECRET_KEYS or norm.endswith(_SECRET_SUFFIXES):
        return not norm.endswith(("tokens", "tokenizer"))
    return bool(_SEPARATED_SECRET.search(low))


_KEY_WORDS = (
    r"(?:[A-Za-z0-9]+[_-])*(?:token|password|passwd|pwd|passphrase|secret|api[_-]?key|"
    r"secret[_-]?access[_-]?key|signing[_-]?secret|client[_-]?secret|private[_-]?key|"
    r"client[_-]key[_-]data|client[_-]certificate[_-]data)"
)
# (pattern, replacement); applied in order. Replacements keep what is needed to read the text.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"-----BEGIN [A-Z0-9 ]*-----.*?(?:-----END [A-Z0-9 ]*-----|\Z)", re.S), REDACTED),
    (re.compile(r"(?im)\b((?:proxy-)?authorization)(\s*[:=]\s*)[^\r\n]+"), r"\1\2" + REDACTED),
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{6,}"), r"\1\2" + REDACTED),
    (re.compile(r"\bx(?:oxb|oxp|oxa|oxe|oxr|oxs|oxc|app)-[A-Za-z0-9-]{6,}"), REDACTED),
    (re.compile(r"(?i)https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+"),
     REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"\bhf_[A-Za-z0-9]{20,}"), REDACTED),
    (re.compile(r"\bsk-(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{20,}"), REDACTED),
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})"), REDACTED),
    (re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"), REDACTED),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):([^@\s/]+)@"), r"\1:" + REDACTED + "@"),
    (re.compile(r"(?i)(\"?\b" + _KEY_WORDS + r"\"?)(\s*[:=]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;&'\"}]+)"),
     r"\1\2" + REDACTED),
]
# Cheap pre-check: a string containing none of these (lower-cased) cannot match a pattern above.
_QUICK_WORDS = (
    "-----begin", "authoriz", "bearer", "basic", "xox", "xapp", "hooks.slack", "eyj", "hf_", "sk-",
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat", "akia", "asia", "agpa", "aida", "aroa",
    "anpa", "anva", "aipa", "token", "passw", "pwd", "passphrase", "secret", "api_key", "api-key",
    "apikey", "private", "client-key", "client_key", "client-cert", "client_cert",
)


_QUICK = re.compile("|".join(re.escape(w) for w in _QUICK_WORDS))


def _suspicious(s: str) -> bool:
    return _QUICK.search(s.lower()) is not None or ("://" in s and "@" in s)


def redact_text(s: str) -> str:
    """``s`` with every secret-looking part replaced by ``[REDACTED]``; valid UTF-8 guaranteed."""
    if "\x00" in s:
        s = s.replace("\x00", "\ufffd")
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        s = s.encode("utf-8", "replace").decode("utf-8")
    if not _suspicious(s):
        return s
    for pattern, repl in _PATTERNS:
        s = pattern.sub(repl, s)
    return s


def redact(value: Any) -> Any:
    """A JSON-safe copy of ``value`` with secrets removed (see the module docstring)."""
    t = type(value)
    if t is str:
        return redact_text(value)
    if value is None or t is bool or t is int:
        return value
    if t is dict:
        return {redact_text(k) if type(k) is str else redact_text(str(k)):
                REDACTED if (type(k) is str and v not in (None, "") and is_secret_key(k)) else redact(v)
                for k, v in value.items()}
    if t is list or t is tuple:
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, (bool, int)):
        return int(value) if not isinstance(value, bool) else bool(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (SecretStr, SecretBytes)):
        return REDACTED
    if isinstance(value, Enum):
        return redact(value.value)
    if isinstance(value, BaseModel):
        return redact(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return redact(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = redact_text(k if isinstance(k, str) else str(k))
            out[key] = REDACTED if (isinstance(k, str) and is_secret_key(k) and v not in (None, "")) \
                else redact(v)
        return out
    if isinstance(value, (set, frozenset)):
        return [redact(v) for v in sorted(value, key=str)]
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    if isinstance(value, datetime):
        from audit.timeutil import iso

        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return redact_text(bytes(value).decode("utf-8", "replace"))
    return redact_text(str(value))
