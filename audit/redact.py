"""Remove secrets from anything before it is written (pure; the one redactor of fleetops).

Public API (``bot.interpreter.redact`` reuses it for prompts; keep it stable):

* ``REDACTED``            the one marker that replaces a secret: ``"[REDACTED]"``
* ``redact(value)``       a JSON-safe copy of any value with secrets removed (applied to every
                          stored field of the audit log and the change store)
* ``redact_text(s)``      the same for one string
* ``mask_text(s)``        ``Masked(text, kinds)``: the masked text and what kinds of secret were
                          found (``masked`` is True when anything was replaced), so the caller can
                          tell the user "I removed a Slack token from your message"
* ``has_secret(s)``       True if ``redact_text`` would change ``s``
* ``is_secret_key(key)``  True if a dict key names secret material

``redact(value)`` returns a JSON-safe copy of ``value`` (dicts, lists, strings, numbers, bools,
None; pydantic models, dataclasses, sets, datetimes and ``SecretStr`` are converted first) where

* a dict value whose key names a secret (``token``, ``password``, ``api_key``, ``authorization``,
  ``signing_secret``, ``client_secret``, ``client-key-data``, ``client-certificate-data``,
  ``private_key``, ``HF_TOKEN``, ``aws_secret_access_key``, ... see ``is_secret_key``) becomes
  ``"[REDACTED]"``. Names that merely *refer* to a secret (KAITO's ``modelAccessSecret``,
  ``imagePullSecrets``, ``secretName``) are kept: they hold the name of a Kubernetes Secret;
* a dict value whose key names a hash (``hash``, ``plan_hash``, ``prev_hash``, ``digest``,
  ``sha256``, ``checksum``, ``commit``, ``kubernetes-fleet.io/resource-hash``) is kept when it is
  hash-shaped (32-128 hex digits, optionally ``sha256:``-prefixed): fleetops' plan hashes and the
  chain's own hashes must stay readable (an approval binds to a plan hash);
* inside every string, by shape: Slack tokens (``xoxb-``, ``xoxp-``, ``xapp-``, any ``xox?-``),
  Slack webhook URLs, ``Authorization:`` header values, ``Bearer``/``Basic`` credentials, PEM
  blocks (private keys, certificates), JWTs (Kubernetes service-account tokens), Hugging Face
  ``hf_`` tokens, OpenAI/Anthropic style ``sk-`` keys, Stripe-style ``sk_live_`` keys, Google
  ``AIza`` keys, GitHub tokens, AWS access key ids, passwords in URLs (``https://u:p@h``) and
  ``key=value`` / ``key: value`` pairs whose key names a secret (``HF_TOKEN=...``,
  ``client-key-data: ...``) have the secret part replaced by ``[REDACTED]``;
* inside every string, generic runs that only a machine writes:

  - a run of 32 or more hex digits (a Slack signing secret is 32, ``openssl rand -hex 32`` gives
    64) unless it is a digest written as such (``sha256:<hex>``, ``@sha256:<hex>``);
  - a run of 40 or more base64 / base64url characters that mixes upper case, lower case and digits
    and is as random as a key (Shannon entropy >= 4.2 bits per character; random base64 of that
    length measures 4.2-5.3, identifiers 3.5-4.1), unless it reads like a path (``/``-separated
    with a lower-case word of 4+ letters) or an identifier (``-``/``_`` every few characters).

What is deliberately kept (decided, tested in ``tests/audit/test_audit_redact.py``): cluster
names, deployment names, model ids (``microsoft/Phi-3-mini-128k-instruct``,
``deepseek-ai/DeepSeek-R1-Distill-Qwen-14B``), instance types, Slack ids (``U0ALICE``), UUIDs,
message timestamps, short hashes (a card shows 10 hex digits of a plan hash; git short SHAs),
image digests written ``sha256:<hex>``, and hashes under hash-named keys. A full 64-hex plan hash
pasted into free text *is* masked: it is indistinguishable from a hex-encoded secret, and the
change id identifies the plan anyway.

Control characters other than tab/newline/CR and NUL are kept except NUL (replaced by U+FFFD) and
lone surrogates (not UTF-8-encodable) are replaced, so every stored string is valid UTF-8.
"""
from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from typing import Any, NamedTuple

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
_HEX_RUN = re.compile(r"(?<![A-Za-z0-9+/_-])[0-9a-fA-F]{32,}(?![A-Za-z0-9+/_-])")
_B64_RUN = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{40,}={0,2}(?![A-Za-z0-9+/_=-])")
_DIGEST_PREFIX = re.compile(r"(?i)\bsha(?:1|224|256|384|512):$")
_PATH_WORD = re.compile(r"(?:^|/)[a-z]{4,}(?:/|$)")
# One segment of a Kubernetes object key (plans' bases: "ConfigMap/fleetops-system/rev-mistral-7b-eu2"): a
# DNS name or a Kind.
_KUBE_SEGMENT = re.compile(r"[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?|[A-Z][a-z]+(?:[A-Z][a-z]+)*")
_MIN_ENTROPY = 4.2


def _entropy(s: str) -> float:
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def _hex_run(m: re.Match[str]) -> str:
    before = m.string[max(0, m.start() - 8):m.start()]
    return m.group(0) if _DIGEST_PREFIX.search(before) else REDACTED


def _random_run(m: re.Match[str]) -> str:
    run = m.group(0)
    body = run.rstrip("=")
    if not (any(c.isupper() for c in body) and any(c.islower() for c in body)
            and any(c.isdigit() for c in body)):
        return run
    if "/" in body and _PATH_WORD.search(body):
        return run  # apis/placement.../v1beta1: a path
    if "/" in body and all(_KUBE_SEGMENT.fullmatch(seg) for seg in body.split("/")):
        return run  # Kind/namespace/name: an object's key, not a key
    separators = sum(body.count(c) for c in "-_")
    if separators * 10 >= len(body):
        return run  # DeepSeek-R1-Distill-Qwen-14B: an identifier, not a key
    return REDACTED if _entropy(body) >= _MIN_ENTROPY else run


Replacement = str | Callable[[re.Match[str]], str]
# (kind, pattern, replacement); applied in order. Replacements keep what is needed to read the text.
_PATTERNS: list[tuple[str, re.Pattern[str], Replacement]] = [
    ("private key", re.compile(r"-----BEGIN [A-Z0-9 ]*-----.*?(?:-----END [A-Z0-9 ]*-----|\Z)", re.S),
     REDACTED),
    ("credential", re.compile(r"(?im)\b((?:proxy-)?authorization)(\s*[:=]\s*)[^\r\n]+"), r"\1\2" + REDACTED),
    ("bearer token", re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{6,}"), r"\1\2" + REDACTED),
    ("Slack token", re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]{6,}"), REDACTED),
    ("Slack webhook", re.compile(r"(?i)https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+"),
     REDACTED),
    ("token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), REDACTED),
    ("API key", re.compile(r"\bhf_[A-Za-z0-9]{20,}"), REDACTED),
    ("API key", re.compile(r"\bsk-(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{20,}"), REDACTED),
    ("API key", re.compile(r"\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}"), REDACTED),
    ("API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), REDACTED),
    ("API key", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})"), REDACTED),
    ("AWS key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"), REDACTED),
    ("password", re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):([^@\s/]+)@"), r"\1:" + REDACTED + "@"),
    ("secret", re.compile(r"(?i)(\"?\b" + _KEY_WORDS + r"\"?)(\s*[:=]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;&'\"}]+)"),
     r"\1\2" + REDACTED),
    ("secret", _HEX_RUN, _hex_run),
    ("secret", _B64_RUN, _random_run),
]
# Cheap pre-check: a string matching none of these cannot match a pattern above.
_QUICK_WORDS = (
    "-----begin", "authoriz", "bearer", "basic", "xox", "xapp", "hooks.slack", "eyj", "hf_", "sk-",
    "sk_", "rk_", "pk_", "aiza", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat", "akia",
    "asia", "agpa", "aida", "aroa", "anpa", "anva", "aipa", "token", "passw", "pwd", "passphrase",
    "secret", "api_key", "api-key", "apikey", "private", "client-key", "client_key", "client-cert",
    "client_cert",
)
_QUICK = re.compile("|".join(re.escape(w) for w in _QUICK_WORDS) + r"|[0-9a-f]{32}|[A-Za-z0-9+/_-]{40}",
                    re.I)


def _suspicious(s: str) -> bool:
    return _QUICK.search(s) is not None or ("://" in s and "@" in s)


def _clean(s: str) -> str:
    if "\x00" in s:
        s = s.replace("\x00", "\ufffd")
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        s = s.encode("utf-8", "replace").decode("utf-8")
    return s


class Masked(NamedTuple):
    """What ``mask_text`` found: the text to keep and the kinds of secret it replaced (in order of
    the rules, each kind once; empty when nothing was masked)."""

    text: str
    kinds: tuple[str, ...] = ()

    @property
    def masked(self) -> bool:
        return bool(self.kinds)


def mask_text(s: str) -> Masked:
    """``s`` with every secret-looking part replaced by ``[REDACTED]``, and what was replaced."""
    s = _clean(s)
    if not _suspicious(s):
        return Masked(s)
    kinds: list[str] = []
    for kind, pattern, repl in _PATTERNS:
        new = pattern.sub(repl, s)
        if new != s:
            s = new
            if kind not in kinds:
                kinds.append(kind)
    return Masked(s, tuple(kinds))


def redact_text(s: str) -> str:
    """``s`` with every secret-looking part replaced by ``[REDACTED]``; valid UTF-8 guaranteed."""
    return mask_text(s).text


def has_secret(s: str) -> bool:
    """True if ``s`` holds something ``redact_text`` would mask (the bot tells the user so)."""
    return mask_text(s).masked


_HASH_KEY = re.compile(r"(?:hash|digest|sha|sha1|sha256|sha512|checksum|commit|etag)$")
_HASH_VALUE = re.compile(r"(?:sha(?:1|224|256|384|512):)?[0-9a-fA-F]{32,128}")


@lru_cache(maxsize=4096)
def is_hash_key(key: str) -> bool:
    """True if a dict key names a hash (its hash-shaped value is kept, see the module docstring)."""
    return _HASH_KEY.search(re.sub(r"[^a-z0-9]", "", key.strip().lower())) is not None


def _keep(key: object, value: object) -> bool:
    return (isinstance(key, str) and isinstance(value, str) and _HASH_VALUE.fullmatch(value) is not None
            and is_hash_key(key))


def _value(key: object, value: Any) -> Any:
    if isinstance(key, str) and value not in (None, "") and is_secret_key(key):
        return REDACTED
    return value if _keep(key, value) else redact(value)


def redact(value: Any) -> Any:
    """A JSON-safe copy of ``value`` with secrets removed (see the module docstring)."""
    t = type(value)
    if t is str:
        return redact_text(value)
    if value is None or t is bool or t is int:
        return value
    if t is dict:
        return {redact_text(k) if type(k) is str else redact_text(str(k)): _value(k, v)
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
            out[key] = _value(k, v)
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
