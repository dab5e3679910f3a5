"""Settings: read once from the environment (and an optional ``.env``); nothing else reads it.

Every knob the product has is a field here, with its environment variable in the field's alias.
Secrets are ``SecretStr`` so that they never print, log or reach the audit log or a prompt.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path.home() / ".fleetops"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # --- fleet -------------------------------------------------------------------------------
    kubeconfig: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("FLEETOPS_KUBECONFIG", "KUBECONFIG"),
        description="Kubeconfig of a real KubeFleet hub. Unset: the embedded demo fleet is used.",
    )
    hub_context: str | None = Field(default=None, validation_alias="FLEETOPS_HUB_CONTEXT")
    member_contexts: str = Field(
        default="auto",
        validation_alias="FLEETOPS_MEMBER_CONTEXTS",
        description="'auto' (contexts named like member clusters), 'none', or 'cluster=context,...'.",
    )
    in_cluster: bool = Field(default=False, validation_alias="FLEETOPS_IN_CLUSTER")
    demo_ready_delay: float = Field(
        default=2.0, ge=0, validation_alias="FLEETOPS_DEMO_READY_DELAY",
        description="Seconds the embedded KAITO stand-in takes per readiness step.",
    )
    rollout_timeout: float | None = Field(
        default=None, gt=0, validation_alias="FLEETOPS_ROLLOUT_TIMEOUT",
        description="Seconds a rollout may wait. Unset: 10 min + 20 s per GiB of model weights (at most 2 h).",
    )

    # --- state ---------------------------------------------------------------------------------
    home: Path = Field(default_factory=_default_home, validation_alias="FLEETOPS_HOME")
    db_path: Path | None = Field(default=None, validation_alias="FLEETOPS_DB")
    policy_path: Path | None = Field(default=None, validation_alias="FLEETOPS_POLICY")

    # --- interpreter ---------------------------------------------------------------------------
    llm: str = Field(
        default="offline",
        validation_alias="FLEETOPS_LLM",
        description="offline | hybrid:<provider:model> | <provider:model> (openai:gpt-4.1-mini, "
        "anthropic:..., ollama:qwen2.5) | openai-compatible:<model>@<base-url>",
    )
    llm_base_url: str | None = Field(default=None, validation_alias="FLEETOPS_LLM_BASE_URL")
    llm_api_key: SecretStr | None = Field(default=None, validation_alias="FLEETOPS_LLM_API_KEY")

    # --- slack ---------------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="FLEETOPS_SLACK_API_URL")
    port: int = Field(default=3000, validation_alias=AliasChoices("FLEETOPS_PORT", "PORT"))

    @property
    def database(self) -> Path:
        return self.db_path or (self.home / "fleetops.db")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
