"""netwave settings: one class, NETWAVE_* environment variables over an optional netwave.toml."""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_TOKEN_PEPPER = "netwave-dev-pepper-change-me"

Environment = Literal["development", "test", "production"]
SecretsProviderName = Literal["env", "file", "vault"]
LogFormat = Literal["json", "text"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    """Everything a netwave process needs to know about where things are."""

    model_config = SettingsConfigDict(
        env_prefix="NETWAVE_",
        toml_file="netwave.toml",
        extra="ignore",
    )

    env: Environment = "development"
    log_format: LogFormat | None = Field(
        default=None,
        description="json (one JSON object per line) or text; default json in production, "
        "else text (services/core/logging.py)",
    )
    log_level: LogLevel = "INFO"
    var_dir: Path = Path("var")
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty means a SQLite file under var_dir"
    )

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_url: str = "http://127.0.0.1:8233"
    task_queue: str = "netwave"
    device_task_queue: str = "netwave-devices"

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        le=1 << 30,
        description="the largest request body the API reads; a larger one is answered 413 "
        "before it is parsed (services/api/body_limit.py)",
    )

    inventories_path: Path = Path("inventories")
    templates_path: Path = Path("templates")

    secrets_provider: SecretsProviderName = "file"
    secrets_file: Path = Field(
        default=Path(""), description="YAML credentials file; empty means var_dir/secrets.yaml"
    )
    vault_url: str = Field(default="", description="Vault address, e.g. https://vault:8200")
    vault_token: SecretStr = SecretStr("")
    vault_mount: str = Field(default="secret", description="the KV version 2 mount")
    vault_path: str = Field(default="netwave/credentials", description="folder of credentials")
    token_pepper: SecretStr = SecretStr(DEFAULT_TOKEN_PEPPER)
    auth_failure_burst: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="failed authentications a client address may make in a row before it "
        "is answered 429 (services/api/throttle.py)",
    )
    auth_failure_window_seconds: int = Field(
        default=60,
        ge=1,
        le=86_400,
        description="an address regains auth_failure_burst attempts over this many seconds",
    )
    auth_throttle_max_addresses: int = Field(
        default=10_000, ge=1, le=10_000_000, description="client addresses the throttle tracks"
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="proxy addresses or networks whose X-Forwarded-For names the client "
        "(empty: the connection's peer is the client)",
    )

    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="the worker serves Prometheus metrics (its own and the Temporal SDK's) on "
        "this port at /metrics; unset: no metrics server (0: any free port, for tests)",
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description="address the worker's metrics server binds (0.0.0.0 in a container)",
    )
    metrics_token: SecretStr = Field(
        default=SecretStr(""),
        description="bearer token Prometheus sends to the API's GET /metrics; empty: only "
        "loopback callers may read it",
    )

    device_workers: int = Field(default=50, ge=1, le=1000, description="Nornir threads per chunk")
    activity_threads: int = Field(default=16, ge=1, le=256, description="device activities at once")
    session_processes: int = Field(
        default_factory=lambda: min(os.cpu_count() or 1, 4),
        ge=0,
        le=64,
        description="helper processes per worker that run audit device sessions, render and "
        "compare, off the worker's interpreter (default: the cores, at most 4; 0: in the "
        "worker's threads)",
    )
    backup_chunk_size: int = Field(default=100, ge=1, le=5000)
    device_timeout: float = Field(default=20.0, gt=0)
    heartbeat_timeout_seconds: float = Field(
        default=30, ge=2, le=600, description="a change step on a crashed worker restarts after"
    )
    heartbeat_throttle_seconds: float = Field(
        default=10,
        ge=0.1,
        le=60,
        description="most time between two heartbeats a device activity sends (the SDK sends at "
        "most every 80 % of the heartbeat timeout): keep it well below the timeout, so a slow "
        "worker's step is never taken for a crashed one and run twice at once",
    )
    image_server_url: str = Field(
        default="http://127.0.0.1:8081/images",
        description="where devices copy OS images from: <url>/<filename>",
    )
    image_catalogue_file: Path | None = Field(
        default=None, description="catalogue seeded at API start (default inventories/images.yaml)"
    )

    public_url: str = Field(
        default="",
        description="the console's address as staff reach it, for links in notifications; "
        "empty means the API's own address",
    )
    notifications_file: Path = Field(
        default=Path(""),
        description="staff notification targets (apprise URLs); empty means "
        "<inventories>/notifications.yaml when it exists",
    )

    otlp_endpoint: str = Field(
        default="",
        description="OTLP/HTTP collector traces are sent to, e.g. http://collector:4318; "
        "empty: tracing off",
    )

    lab_control_port: int = 8299
    token_lifetime_days: int = Field(
        default=90, ge=1, le=3650, description="lifetime of a new API token, in days"
    )
    lab_host_key_file: Path = Field(
        default=Path(""),
        description="the lab's SSH host key (trusted for its devices by `netwave dev` and "
        "`make demo`); empty means var_dir/lab/ssh_host_ed25519_key",
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # ValueError: not an address or network
        return value

    @field_validator("otlp_endpoint")
    @classmethod
    def _otlp_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if value.strip() and (parts.scheme not in ("http", "https") or not parts.netloc):
            raise ValueError("must be an http:// or https:// URL, e.g. http://collector:4318")
        return value.strip()

    @model_validator(mode="after")
    def _fill_paths(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.var_dir / 'netwave.db').as_posix()}"
        if self.secrets_file == Path(""):
            self.secrets_file = self.var_dir / "secrets.yaml"
        if self.notifications_file == Path(""):
            self.notifications_file = self.inventories_path / "notifications.yaml"
        if self.lab_host_key_file == Path(""):
            self.lab_host_key_file = self.var_dir / "lab" / "ssh_host_ed25519_key"
        if self.log_format is None:
            self.log_format = "json" if self.env == "production" else "text"
        return self

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.env == "production":
            if self.token_pepper.get_secret_value() == DEFAULT_TOKEN_PEPPER:
                raise ValueError(
                    "NETWAVE_TOKEN_PEPPER still has its development default; "
                    "set a random value of at least 32 characters in production"
                )
            if len(self.token_pepper.get_secret_value()) < 32:
                raise ValueError("NETWAVE_TOKEN_PEPPER must be at least 32 characters")
            if self.database_url.startswith("sqlite"):
                raise ValueError("NETWAVE_DATABASE_URL must point at PostgreSQL in production")
        return self

    @property
    def api_url(self) -> str:
        return f"http://{self.api_host}:{self.api_port}"

    @property
    def console_url(self) -> str:
        """Where staff open the console (links in notifications), without a trailing /."""
        return (self.public_url or self.api_url).rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
