"""Secrets never reach the database: checked on the raw bytes of the file (and its WAL)."""
import pytest
from pydantic import SecretStr

from audit.redact import REDACTED, is_secret_key, redact, redact_text
from audit.store import open_store

PEM = ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAsecretpemmaterialXYZ\n"
       "-----END RSA PRIVATE KEY-----")
KUBECONFIG = """apiVersion: v1
users:
- name: admin
  user:
    client-certificate-data: LS0tLS1DRVJUSUZJQ0FURWNlcnRkYXRhc2VjcmV0
    client-key-data: LS0tLS1LRVlrZXlkYXRhc2VjcmV0cXdlcnR5
    token: kubeTokenSecretValue0123456789
"""
# (text to feed, a fragment that must never be stored)
SECRETS = [
    ("xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx", "AbCdEfGhIjKlMnOpQrStUvWx"),
    ("xoxp-2222222222-3333333333-UserTokenSecretAbc", "UserTokenSecretAbc"),
    ("xapp-1-A0123456789-1234567890123-appleveltokensecret", "appleveltokensecret"),
    ("xoxa-2-legacyworkspacetokensecret", "legacyworkspacetokensecret"),
    ("xoxe-1-refreshtokensecretvalue42", "refreshtokensecretvalue42"),
    ("Authorization: Bearer abc.def-ghiBearerSecret", "ghiBearerSecret"),
    ("curl -H 'Authorization: Basic dXNlcjpwYXNzd29yZHNlY3JldA=='", "dXNlcjpwYXNzd29yZHNlY3JldA"),
    ("use bearer tok_BearerOnlySecret99 please", "BearerOnlySecret99"),
    (PEM, "secretpemmaterialXYZ"),
    (KUBECONFIG, "Y2VydGRhdGFzZWNyZXQ"),
    (KUBECONFIG, "a2V5ZGF0YXNlY3JldHF3ZXJ0eQ"),
    (KUBECONFIG, "kubeTokenSecretValue0123456789"),
    ("HF_TOKEN=hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123", "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123"),
    ("my token is hf_ZyXwVuTsRqPoNmLkJiHgFeDcBa9876", "ZyXwVuTsRqPoNmLkJiHgFeDcBa9876"),
    ("OPENAI_API_KEY=sk-proj-Abc123Def456Ghi789Jkl012Mno", "Abc123Def456Ghi789Jkl012Mno"),
    ("key sk-ant-api03-QwErTy123456UiOpAsDf7890", "QwErTy123456UiOpAsDf7890"),
    ("aws AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("postgres://admin:Sup3rS3cretPw@db.internal:5432/x", "Sup3rS3cretPw"),
    ("SLACK_SIGNING_SECRET=8f742231b10e8888abcd99yyyzzz85a5", "8f742231b10e8888abcd99yyyzzz85a5"),
    ('{"password": "JsonInStringPw1"}', "JsonInStringPw1"),
    ("sa token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlc2VjcmV0",
     "c2lnbmF0dXJlc2VjcmV0"),
    ("https://hooks.slack.com/services/T000/B000/WebhookSecretPart", "WebhookSecretPart"),
]
SECRET_DICT = {"password": "DictPasswordValue1", "api_key": "DictApiKeyValue2",
               "signing_secret": "DictSigningSecret3", "token": "DictTokenValue4",
               "Authorization": "Token DictAuthValue5", "client_secret": "DictClientSecret6",
               "nested": {"slack_bot_token": "DictNestedToken7", "ok": "visible-marker-1"},
               "settings_secret": SecretStr("DictSecretStr8")}
DICT_FRAGMENTS = ["DictPasswordValue1", "DictApiKeyValue2", "DictSigningSecret3", "DictTokenValue4",
                  "DictAuthValue5", "DictClientSecret6", "DictNestedToken7", "DictSecretStr8"]


@pytest.mark.parametrize("text,fragment", SECRETS)
def test_redact_text_removes_each_secret(text, fragment):
    out = redact_text(text)
    assert fragment not in out and REDACTED in out


def test_redact_keeps_ordinary_text_and_secret_references():
    kept = {"modelAccessSecret": "hf-read-secret", "imagePullSecrets": [{"name": "acr"}],
            "max_tokens": 4096, "tokenizer": "llama", "name": "sk-learn-classifier-production",
            "message": "deploy microsoft/phi-4 to eu-prod-1 with 2 replicas", "model": "qwen2.5"}
    assert redact(kept) == kept
    assert redact({"password": None, "token": ""}) == {"password": None, "token": ""}
    assert redact({1: {"x", "y"}, "f": float("nan"), "t": (1, 2)}) == {"1": ["x", "y"], "f": "nan",
                                                                         "t": [1, 2]}
    assert is_secret_key("HF_TOKEN") and is_secret_key("x-api-key") and is_secret_key("db_secret")
    assert not is_secret_key("modelAccessSecret") and not is_secret_key("secretName")


def test_redact_nested_values():
    out = redact({"args": [SECRET_DICT, SECRETS[0][0]], "SecretStr": SecretStr("zzz")})
    text = str(out)
    assert all(f not in text for f in DICT_FRAGMENTS) and "visible-marker-1" in text


def _file_bytes(db_path):
    data = b""
    for suffix in ("", "-wal", "-shm"):
        p = db_path.with_name(db_path.name + suffix)
        if p.exists():
            data += p.read_bytes()
    return data


def test_secrets_fed_through_every_field_never_reach_the_file(db_path):
    store = open_store(db_path)
    texts = [t for t, _ in SECRETS]
    blob = " | ".join(texts)
    for i, text in enumerate(texts):
        store.audit.record("request", actor=text, channel=text, change_id=text, tool=text,
                           deployment=text, clusters=[text, "visible-cluster"],
                           args={"text": text, "secrets": SECRET_DICT, text: i},
                           result=[text, SECRET_DICT], message=text + " visible-marker-2")
    cr = store.changes.create(requester=blob, tool="deploy", plan_hash="h", args=SECRET_DICT,
                              plan={"manifest": blob, **SECRET_DICT}, summary=blob,
                              decision={"reason": blob}, channel=blob, thread_ts=blob,
                              request_key=blob)
    store.changes.set_card(cr.id, blob, blob, thread_ts=blob)
    store.changes.add_approval(cr.id, blob, "h", actor_name=blob, usergroups=[blob])
    store.changes.transition(cr.id, "pending", "rejected", reason=blob, outcome=SECRET_DICT,
                             summary=blob)
    store.close()  # checkpoints the WAL into the file
    data = _file_bytes(db_path)
    assert b"visible-marker-1" in data and b"visible-marker-2" in data  # the scan sees content
    for fragment in [f for _, f in SECRETS] + DICT_FRAGMENTS:
        assert fragment.encode() not in data, fragment
    assert open_store(db_path).audit.verify().ok
