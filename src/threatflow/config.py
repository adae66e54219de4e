"""Settings, read once from the environment (prefix ``THREATFLOW_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting has a safe default for a single machine with SQLite."""

    model_config = SettingsConfigDict(env_prefix="THREATFLOW_", extra="ignore")

    data_dir: Path = Field(Path("var"), description="Where SQLite, keys and logs live")
    database_url: str = Field("", description="SQLAlchemy URL; default SQLite in data_dir")
    secret_key: str = Field("", description="Fernet key for credentials; default: key file")
    admin_password: str = ""
    admin_token: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = Field("", description="Base URL shown for webhooks; default host:port")
    forwarded_allow_ips: str | None = Field(
        None, description="Proxies trusted for X-Forwarded-For/-Proto (comma-separated "
        "addresses, or *); unset: the headers are ignored")
    max_body: int = Field(1024 * 1024, ge=1024, description="Largest webhook body in bytes")
    max_output: int = Field(1024 * 1024, ge=1024, description="Largest stored step output")
    concurrency: int = Field(128, ge=1, le=4096, description="Executions advanced at once")
    http_in_flight: int = Field(100, ge=1, le=4096, description="Outbound requests at once")
    step_threads: int = Field(16, ge=1, le=512, description="Threads for blocking actions")
    log_level: str = "INFO"
    log_format: str = Field("auto", pattern="^(auto|json|console)$")
    examples: bool = Field(True, description="Install the example workflows on first start")

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'threatflow.db'}"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
