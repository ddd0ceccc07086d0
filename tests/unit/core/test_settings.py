from pathlib import Path

import pytest
from pydantic import ValidationError

from services.core.settings import Settings


def test_defaults_put_sqlite_and_secrets_under_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETWAVE_DATABASE_URL", raising=False)
    settings = Settings(var_dir=Path("/tmp/nw-var"))
    assert settings.database_url == "sqlite:////tmp/nw-var/netwave.db"
    assert settings.secrets_file == Path("/tmp/nw-var/secrets.yaml")
    assert settings.task_queue != settings.device_task_queue


def test_environment_variables_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETWAVE_TEMPORAL_ADDRESS", "temporal.internal:7233")
    monkeypatch.setenv("NETWAVE_API_PORT", "9000")
    settings = Settings()
    assert settings.temporal_address == "temporal.internal:7233"
    assert settings.api_port == 9000


def test_toml_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "netwave.toml").write_text('temporal_namespace = "msp"\napi_port = 8111\n')
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.temporal_namespace == "msp"
    assert settings.api_port == 8111


def test_production_refuses_default_pepper() -> None:
    with pytest.raises(ValidationError, match="NETWAVE_TOKEN_PEPPER"):
        Settings(env="production", database_url="postgresql://db/netwave")


def test_production_refuses_sqlite() -> None:
    with pytest.raises(ValidationError, match="PostgreSQL"):
        Settings(env="production", token_pepper="x" * 40, database_url="sqlite:///x.db")


def test_production_accepts_real_secrets() -> None:
    settings = Settings(env="production", token_pepper="x" * 40, database_url="postgresql://d/n")
    assert settings.env == "production"
