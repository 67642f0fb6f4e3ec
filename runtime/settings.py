"""Accord's one configuration object.

Everything configurable is read here, from the environment and an optional `.env` file; no other
module reads `os.environ`. Unset `TEMPORAL_ADDRESS` / `DATABASE_URL` mean "use the embedded
servers under the data directory".
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.results import DEFAULT_SEVERITIES

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "test", "sandbox"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    environment: Literal["local", "production"] = "local"
    data_dir: Path = Path(".accord")

    # Temporal
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    temporal_task_queue: str = "accord-reconciliation"
    temporal_ui_url: str | None = None
    embedded_temporal_port: int = 7233
    embedded_temporal_ui_port: int = 8233

    # Ledger
    database_url: str | None = None
    # Worker processes that read and normalize pages (`runtime.cpu`): unset, one per core;
    # 0, none (a thread of the worker does it).
    cpu_processes: int | None = Field(default=None, ge=0)

    # Reconciliation
    window_overlap: timedelta = timedelta(hours=48)
    timing_grace: timedelta = timedelta(days=3)
    payout_arrival_window: timedelta = timedelta(days=3)
    lookback: timedelta = timedelta(days=120)
    recheck_horizon: timedelta = timedelta(days=90)
    rules_file: Path | None = None
    severities: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SEVERITIES))

    # Schedules (`python starter.py schedule ...`)
    schedule_id: str = "accord-nightly"
    schedule_cron: str | None = None  # None: nightly at 00:00 in schedule_time_zone
    schedule_interval: timedelta | None = None
    schedule_time_zone: str = "UTC"
    schedule_catchup_window: timedelta = timedelta(days=1)

    # Vendors (the sandbox prints values for these; production sets the real ones)
    plaid_client_id: str | None = None
    plaid_secret: SecretStr | None = None
    plaid_base_url: str | None = None
    plaid_access_token: SecretStr | None = None
    # JSON list of the Item's account_ids to reconcile (`["BxBX…"]`); empty: every account.
    # Name only the business's operating accounts: a transfer between two accounts of the
    # Item would otherwise show on both sides, as money in and money out with no match.
    plaid_account_ids: list[str] = Field(default_factory=list)

    stripe_api_key: SecretStr | None = None
    stripe_api_base: str | None = None

    shopify_shop_url: str | None = None
    shopify_access_token: SecretStr | None = None
    shopify_api_version: str = "2024-10"

    qbo_client_id: str | None = None
    qbo_client_secret: SecretStr | None = None
    qbo_realm_id: str | None = None
    qbo_base_url: str | None = None
    qbo_refresh_token: SecretStr | None = None
    qbo_discovery_url: str | None = None  # OpenID discovery document; None means Intuit's

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_channel: str | None = None
    slack_api_url: str | None = None

    # Payload encryption (Temporal history) and its codec server for the UI
    codec_keys: dict[str, SecretStr] = Field(default_factory=dict)  # {"key-id": base64 32 bytes}
    codec_active_key: str | None = None  # default: the highest key id
    codec_server_token: SecretStr | None = None
    codec_cors_origins: list[str] = Field(
        default_factory=lambda: ["http://localhost:8080", "http://localhost:8233"]
    )

    # Observability
    metrics_bind_address: str | None = None  # e.g. 0.0.0.0:9464 serves Prometheus metrics
    log_format: Literal["json", "text"] | None = None  # default: json in production
    log_level: str = "INFO"

    # Approvals and write-back
    approvers: dict[str, list[str]] = Field(default_factory=dict)  # role → Slack ids / CLI names
    approver_roles: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "high": ["owner", "bookkeeper"],
            "medium": ["bookkeeper"],
            "low": ["bookkeeper"],
        }
    )
    approval_remind_after: timedelta = timedelta(days=1)
    approval_expire_after: timedelta = timedelta(days=7)
    writeback_modes: dict[str, Literal["auto", "review", "never"]] = Field(default_factory=dict)
    writeback_dry_run: bool = False

    # Exception email
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "accord@localhost"
    smtp_to: str | None = None  # comma-separated addresses
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False

    @model_validator(mode="after")
    def _no_placeholder_secrets_in_production(self) -> Settings:
        if self.environment != "production":
            return self
        for name, value in self:
            if (
                isinstance(value, SecretStr)
                and value.get_secret_value().lower() in PLACEHOLDER_SECRETS
            ):
                raise ValueError(
                    f"{name.upper()} holds a placeholder secret; set a real one for production"
                )
        return self

    @property
    def embedded_temporal(self) -> bool:
        return not self.temporal_address

    @property
    def embedded_database(self) -> bool:
        return not self.database_url

    @property
    def ui_base_url(self) -> str:
        if self.temporal_ui_url:
            return self.temporal_ui_url.rstrip("/")
        return f"http://localhost:{self.embedded_temporal_ui_port}"

    def workflow_ui_url(self, workflow_id: str, run_id: str | None = None) -> str:
        url = f"{self.ui_base_url}/namespaces/{self.temporal_namespace}/workflows/{workflow_id}"
        return f"{url}/{run_id}/history" if run_id else url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
