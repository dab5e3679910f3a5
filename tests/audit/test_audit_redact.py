"""Secrets never reach the database: checked on the raw bytes of the file (and its WAL)."""
import pytest
from pydantic import SecretStr

from audit.redact import REDACTED, has_secret, is_secret_key, mask_text, redact, redact_text
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


# --- shapes without a label: what a user pastes into "/fleet ..." (issue 12) ----------------------
BARE = [  # (request text, the secret in it); realistic shapes, random-looking values
    ("here is the signing secret 3f9a1c0b7d2e4f6a8b0c1d2e3f4a5b6c, why do clicks fail?",
     "3f9a1c0b7d2e4f6a8b0c1d2e3f4a5b6c"),
    ("use key 9c1e5b7a3d0f2e4c6a8b1d3f5e7a9c0b2d4f6e8a1c3e5b7d9f0a2c4e6b8d0f1a for the audit",
     "9c1e5b7a3d0f2e4c6a8b1d3f5e7a9c0b2d4f6e8a1c3e5b7d9f0a2c4e6b8d0f1a"),
    ("the aws secret is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY right?",
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("kube sa R2xvYmFsU2VjcmV0S3ViZVRva2VuVmFsdWU5OHg3Ng9QmZ3 deploy it",
     "R2xvYmFsU2VjcmV0S3ViZVRva2VuVmFsdWU5OHg3Ng9QmZ3"),
    ("token Xq3_Lw9Vz2Kp8Rt5Yh1Nm4Bc7Df0Gj6Hs-Ta2Ue9Wi3 for grafana",
     "Xq3_Lw9Vz2Kp8Rt5Yh1Nm4Bc7Df0Gj6Hs-Ta2Ue9Wi3"),
    ("xoxc-1234567890-abcdefabcdef works too", "abcdefabcdef"),
    ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc"),
    ("maps AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n-----END OPENSSH PRIVATE KEY-----",
     "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU"),
]
INNOCENT = [
    "deploy deepseek-ai/DeepSeek-R1-Distill-Qwen-14B to aks-eastus-prod-1 with 2 replicas",
    "put microsoft/Phi-3-mini-128k-instruct on Standard_NC24ads_A100_v4 in eu-prod-1",
    "roll out qwen2.5-coder-7b-instruct as coder-eu, plan 3f9a1c0b7d (from the card)",
    "image mcr.microsoft.com/aks/kaito/kaito-base@sha256:"
    "9c99d097f84ae6205a5efc309511c0f5d9328039d62efe4e5c3f8d43b9a7fc15",
    "GET apis/placement.kubernetes-fleet.io/v1beta1/clusterresourceplacements/phi-4",
    "thread 1712345678.000100, message 8c0e2f4a-1b3d-4e5f-9a7b-0c1d2e3f4a5b, user U0ALICE in C0OPS",
    "scale granite-dev to 3 and cordon aks-westus2-gpu-07 until 2026-11-01T09:30:00Z",
    "commit 4f2a9c1 broke max_tokens=4096 for the tokenizer",
]


@pytest.mark.parametrize("text,secret", BARE)
def test_bare_secrets_are_masked_with_one_marker(text, secret):
    out = mask_text(text)
    assert secret not in out.text
    assert out.masked and out.kinds
    assert REDACTED in out.text and "[redacted]" not in out.text
    assert has_secret(text)


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent_fleet_text_is_left_alone(text):
    assert mask_text(text).text == text
    assert not mask_text(text).masked
    assert not has_secret(text)


def test_mask_text_names_what_it_found():
    out = mask_text("xoxb-1234567890-0987654321-AbCdEfGhIjKl and AKIAIOSFODNN7EXAMPLE")
    assert out.kinds == ("Slack token", "AWS key")


def test_hashes_under_hash_keys_are_kept_but_not_in_free_text():
    h = "9c99d097f84ae6205a5efc309511c0f5d9328039d62efe4e5c3f8d43b9a7fc15"
    kept = {"hash": h, "plan_hash": h, "prev_hash": h, "digest": "sha256:" + h,
            "kubernetes-fleet.io/resource-hash": h}
    assert redact(kept) == kept
    assert redact({"note": f"plan {h}"}) == {"note": f"plan {REDACTED}"}
    assert redact({"hash": "not a hash, xoxb-1234567890-secretsecret"})["hash"] == f"not a hash, {REDACTED}"


def test_a_pasted_signing_secret_never_reaches_the_file(db_path):
    store = open_store(db_path)
    text = "why does verification fail with 3f9a1c0b7d2e4f6a8b0c1d2e3f4a5b6c? token visible-marker-3"
    store.audit.record("request", actor="U0ALICE", message=text, args={"text": text})
    store.close()
    data = _file_bytes(db_path)
    assert b"visible-marker-3" in data
    assert b"3f9a1c0b7d2e4f6a8b0c1d2e3f4a5b6c" not in data


def test_object_keys_of_deployments_whose_names_end_in_digits_are_kept():
    """A plan's base names hub objects (Kind/namespace/name); masking one altered the stored plan, so the
    executor refused it as 'altered' (a deployment named mistral-7b-eu2 could never be updated)."""
    from audit.redact import redact

    base = {"ConfigMap/fleetops-system/rev-mistral-7b-eu2": "v12", "ResourceOverride/gemma-2b-x9/gemma-2b-x9-r2-sku": None}
    assert redact({"base": base}) == {"base": base}


def test_a_random_secret_with_slashes_is_still_masked():
    from audit.redact import redact_text

    assert "a3F9kLm2Qx7/Zp8Rt4Vn6Yb1Wc5Ds0Ue9Ih3Jg2Kf7" not in redact_text("key a3F9kLm2Qx7/Zp8Rt4Vn6Yb1Wc5Ds0Ue9Ih3Jg2Kf7")
