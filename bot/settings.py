"""Settings: read once, at start, from the environment (and an optional ``.env``); nothing else reads them.

Every knob the product has is a field here; the environment variables that set it are the field's
``validation_alias`` (the first one wins when several are set). Only those names are read: ``FLEETOPS_*``,
Slack's own ``SLACK_BOT_TOKEN`` / ``SLACK_SIGNING_SECRET`` / ``SLACK_APP_TOKEN`` and ``KUBECONFIG``, spelled
exactly so. A field's own name is never looked up in the environment (``HOME``, ``PORT``, ``LLM`` or ``DB_PATH``
set for other programs do not change fleetops); code and tests may still pass fields by name:
``Settings(llm="offline")``. Secrets are ``SecretStr`` so that they never print, log or reach the audit log
or a prompt.

The entry points (``bot.cli.main``, ``bot.app``) build the settings and hand them down; library code takes a
``Settings`` argument rather than reading them itself.
"""
from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import AliasChoices, Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PREFIX = "FLEETOPS_"
ENV_FILE = ".env"


def _default_home() -> Path:
    return Path.home() / ".fleetops"


def env_names(field: FieldInfo) -> list[str]:
    """The environment variables that set ``field``, in order of precedence."""
    alias = field.validation_alias
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasChoices):
        return [c for c in alias.choices if isinstance(c, str)]
    return []


class DeclaredVariables(PydanticBaseSettingsSource):
    """A settings source that reads exactly the declared variable names from ``values`` (the process
    environment or a ``.env`` file), case-sensitively, and nothing else."""

    def __init__(self, settings_cls: type[BaseSettings], values: Mapping[str, str | None]):
        super().__init__(settings_cls)
        self._values = values

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        for name in env_names(field):
            value = self._values.get(name)
            if value is not None:
                return value, name, False
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, _, _ = self.get_field_value(field, field_name)
            names = env_names(field)
            if value is not None and names:
                # Keyed by the first name: the init source normalises ``Settings(field=...)`` to it too, so
                # an explicit argument always overrides the environment.
                out[names[0]] = value
        return out


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore", populate_by_name=True)

    # --- fleet -------------------------------------------------------------------------------
    kubeconfig: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("FLEETOPS_KUBECONFIG", "KUBECONFIG"),
        description="Kubeconfig of a real KubeFleet hub. Unset: the embedded demo fleet is used.",
    )
    hub_context: str | None = Field(
        default=None, validation_alias="FLEETOPS_HUB_CONTEXT",
        description="Kubeconfig context of the hub. Unset: the current context.",
    )
    member_contexts: str = Field(
        default="auto",
        validation_alias="FLEETOPS_MEMBER_CONTEXTS",
        description="'auto' (contexts named like member clusters), 'none', or 'cluster=context,...'.",
    )
    in_cluster: bool = Field(
        default=False, validation_alias="FLEETOPS_IN_CLUSTER",
        description="true: use the pod's service account (running inside the hub cluster).",
    )
    demo_ready_delay: float = Field(
        default=2.0, ge=0, validation_alias="FLEETOPS_DEMO_READY_DELAY",
        description="Seconds the embedded KAITO stand-in takes per readiness step.",
    )
    fleet_cache: Literal["on", "off"] = Field(
        default="on", validation_alias="FLEETOPS_FLEET_CACHE",
        description="'on': serve and chat read the fleet from a watch-fed cache (no hub call per request when "
                    "warm); 'off': every request reads the hub directly. One-shot commands always read directly.",
    )
    rollout_timeout: float | None = Field(
        default=None, gt=0, validation_alias="FLEETOPS_ROLLOUT_TIMEOUT",
        description="Seconds a rollout may wait. Unset: 10 min + 20 s per GiB of model weights (at most 2 h).",
    )

    # --- state ---------------------------------------------------------------------------------
    home: Path = Field(
        default_factory=_default_home, validation_alias="FLEETOPS_HOME",
        description="Directory of fleetops' own state.",
    )
    db_path: Path | None = Field(
        default=None, validation_alias="FLEETOPS_DB",
        description="Database (audit log and change requests). Unset: fleetops.db in FLEETOPS_HOME.",
    )
    policy_path: Path | None = Field(
        default=None, validation_alias="FLEETOPS_POLICY",
        description="Approval policy YAML. Unset: the shipped bot/policy_default.yaml.",
    )

    # --- interpreter ---------------------------------------------------------------------------
    llm: str = Field(
        default="offline",
        validation_alias="FLEETOPS_LLM",
        description="offline | hybrid:<provider:model> | <provider:model> (openai:gpt-4.1-mini, "
        "anthropic:..., ollama:qwen2.5) | openai-compatible:<model>@<base-url>",
    )
    llm_base_url: str | None = Field(
        default=None, validation_alias="FLEETOPS_LLM_BASE_URL",
        description="Base URL of an OpenAI-compatible model server.",
    )
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias="FLEETOPS_LLM_API_KEY", description="API key of the model provider.",
    )

    # --- slack ---------------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias="SLACK_BOT_TOKEN", description="Bot User OAuth Token (xoxb-...).",
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET", description="Signing secret (HTTP mode).",
    )
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias="SLACK_APP_TOKEN", description="App-level token (xapp-..., Socket Mode).",
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/", validation_alias="FLEETOPS_SLACK_API_URL",
        description="Slack Web API base URL (a stand-in for staging and tests).",
    )
    port: int = Field(default=3000, validation_alias="FLEETOPS_PORT", description="HTTP port of fleetops serve.")

    # --- audit witness ---------------------------------------------------------------------------
    audit_key: SecretStr | None = Field(
        default=None, validation_alias="FLEETOPS_AUDIT_KEY",
        description="Key (16+ bytes) that signs audit digests written outside the database. Unset (and no key "
        "file): no digests.",
    )
    audit_key_file: Path | None = Field(
        default=None, validation_alias="FLEETOPS_AUDIT_KEY_FILE",
        description="File holding the audit digest key (instead of FLEETOPS_AUDIT_KEY).",
    )
    audit_digests_path: Path | None = Field(
        default=None, validation_alias="FLEETOPS_AUDIT_DIGESTS",
        description="File the signed audit digests are appended to. Unset: audit-digests.jsonl in FLEETOPS_HOME.",
    )
    audit_digest_every: int = Field(
        default=100, ge=1, validation_alias="FLEETOPS_AUDIT_DIGEST_EVERY",
        description="Write an audit digest after this many audit events.",
    )
    audit_digest_seconds: float = Field(
        default=600.0, gt=0, validation_alias="FLEETOPS_AUDIT_DIGEST_SECONDS",
        description="Write an audit digest at least this often (seconds) while events are recorded.",
    )
    audit_channel: str | None = Field(
        default=None, validation_alias="FLEETOPS_AUDIT_CHANNEL",
        description="Slack channel id (C...) fleetops serve also posts every audit digest to (the bot must be in "
        "it); check with fleetops audit verify --channel. Unset: digests go to the file only.",
    )

    # --- health watch (incidents) ----------------------------------------------------------------------
    incident_after: str = Field(
        default="300", validation_alias="FLEETOPS_INCIDENT_AFTER", pattern=r"^\d+(\.\d+)?\s*[smh]?$",
        description="How long a deployment may be not ready on a cluster before it is an incident "
        "(seconds, or 5m, 1h).",
    )
    watch_interval: float = Field(
        default=30.0, gt=0, validation_alias="FLEETOPS_WATCH_INTERVAL",
        description="Seconds between two looks of the health watch at the fleet.",
    )
    alerts_channel: str | None = Field(
        default=None, validation_alias="FLEETOPS_ALERTS_CHANNEL",
        description="Slack channel id incidents are posted to. Unset: incidents are recorded, not posted.",
    )

    @property
    def database(self) -> Path:
        return self.db_path or (self.home / "fleetops.db")

    @property
    def audit_digests(self) -> Path:
        return self.audit_digests_path or (self.home / "audit-digests.jsonl")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # pydantic-settings' own sources also match each field's *name* (case-insensitively) whenever fields
        # may be populated by name, which is how HOME used to fill ``home``: read the declared names only.
        return (init_settings, DeclaredVariables(settings_cls, os.environ),
                DeclaredVariables(settings_cls, _dotenv(settings_cls)))


def _dotenv(settings_cls: type[BaseSettings]) -> dict[str, str | None]:
    path = Path(str(settings_cls.model_config.get("env_file") or ENV_FILE))
    return dotenv_values(path) if path.is_file() else {}


def known_variables() -> list[str]:
    """Every environment variable fleetops reads."""
    return [name for field in Settings.model_fields.values() for name in env_names(field)]


def unknown_variables(environ: Mapping[str, str | None] | None = None) -> list[tuple[str, str]]:
    """``FLEETOPS_*`` names set in ``environ`` (default: the environment and ``.env``) that no setting reads,
    each with the closest known name."""
    if environ is None:
        environ = {**_dotenv(Settings), **os.environ}
    known = {n.removeprefix(PREFIX): n for n in known_variables() if n.startswith(PREFIX)}
    out = []
    for name in sorted(environ):
        if name.startswith(PREFIX) and name not in known.values():
            closest = difflib.get_close_matches(name.removeprefix(PREFIX), known, n=1, cutoff=0)
            out.append((name, known[closest[0]]))
    return out


def defaults() -> list[tuple[str, str, str]]:
    """(variables, default, meaning) per setting, the defaults as fleetops computes them (for ``--help``)."""
    rows = []
    for name, field in Settings.model_fields.items():
        value = field.get_default(call_default_factory=True)
        if name == "db_path":
            shown = str(_default_home() / "fleetops.db")
        elif name == "audit_digests_path":
            shown = str(_default_home() / "audit-digests.jsonl")
        elif value is None:
            shown = "unset"
        elif isinstance(value, bool):
            shown = str(value).lower()
        elif isinstance(value, float):
            shown = f"{value:g}"
        else:
            shown = str(value)
        rows.append((" / ".join(env_names(field)), shown, field.description or ""))
    return rows


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once. Only the entry points call this; everything else is handed them."""
    return Settings()
