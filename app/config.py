"""Settings, read once from ``MPSCOPE_*`` environment variables (each documented in README)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.runs.limits import AdmissionLimits, RunLimits


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MPSCOPE_", frozen=True)

    host: str = Field("127.0.0.1", description="Address `python -m app` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `python -m app` listens on.")
    max_runs: int = Field(4, ge=1, le=64, description="Runs that may be running at once, server-wide.")
    max_runs_per_client: int = Field(2, ge=1, le=64, description="Runs one client may have running at once.")
    max_runs_per_address: int = Field(
        16, ge=1, le=1024, description="Runs one address may have running at once, all its browsers together."
    )
    runs_per_minute: int = Field(30, ge=1, le=10_000, description="Runs one client may start per minute.")
    run_timeout_s: float = Field(30.0, gt=0, le=600, description="A run still going after this is stopped.")
    deadlock_s: float = Field(
        1.5,
        gt=0,
        le=600,
        description=(
            "A run whose every live process has been blocked this long, with nothing moving, ends deadlocked."
        ),
    )
    step_idle_s: float = Field(
        300.0, gt=0, le=86_400, description="A step-mode run nobody steps for this long is cancelled."
    )
    steps_per_minute: int = Field(
        600, ge=1, le=100_000, description="Steps one client may take per minute (POST /api/runs/{id}/step)."
    )
    explore_max_runs: int = Field(
        1000, ge=1, le=100_000, description="The most runs (schedules) one exploration may try."
    )
    explore_timeout_s: float = Field(
        120.0, gt=0, le=3600, description="An exploration still searching after this stops, exhausted."
    )
    keep_runs: int = Field(200, ge=1, le=100_000, description="Finished runs kept in memory.")
    keep_mb: int = Field(256, ge=1, le=100_000, description="Events of finished runs kept in memory, in MB.")
    data_dir: Path = Field(Path("data"), description="Where the finished-run store lives.")
    store_max_runs: int = Field(1000, ge=1, le=1_000_000, description="Finished runs kept on disk.")
    store_max_mb: int = Field(200, ge=1, le=1_000_000, description="Size cap of the run store.")
    frame_ancestors: str = Field(
        "*", max_length=2000, description="Who may embed the pages: a CSP frame-ancestors source list."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins whose pages may call the API (comma-separated)."
    )
    scenarios_dir: Path | None = Field(
        None,
        description="A folder of the course's own programs, offered beside the built-in scenarios "
        "(read when the server starts).",
    )
    sse_keepalive_s: float = Field(15.0, gt=0, le=300, description="Idle streams get a comment this often.")
    sse_stall_s: float = Field(
        15.0, gt=0, le=600, description="A reader that accepts nothing this long is dropped."
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # MPSCOPE_CORS_ORIGINS="https://a.example, https://b.example"
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("scenarios_dir", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        # MPSCOPE_SCENARIOS_DIR= means no folder, not the working directory.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("frame_ancestors")
    @classmethod
    def _one_directive(cls, value: str) -> str:
        if any(c in value for c in ";,\r\n"):
            raise ValueError("must be a space-separated source list, e.g. \"'self' https://course.example\"")
        return value.strip() or "'none'"

    @model_validator(mode="after")
    def _address_holds_a_client(self) -> Settings:
        # An address below one client's cap would make that cap a lie for every browser.
        # Only a cap set on purpose is refused: left at its default, it follows the client
        # cap up (a server that allowed 20 runs per client before keeps doing so).
        explicit = "max_runs_per_address" in self.model_fields_set
        if explicit and self.max_runs_per_address < self.max_runs_per_client:
            raise ValueError(
                f"MPSCOPE_MAX_RUNS_PER_ADDRESS ({self.max_runs_per_address}) must be at least "
                f"MPSCOPE_MAX_RUNS_PER_CLIENT ({self.max_runs_per_client})"
            )
        return self

    def run_limits(self) -> RunLimits:
        return RunLimits(
            timeout_s=self.run_timeout_s,
            keep_runs=self.keep_runs,
            keep_bytes=self.keep_mb * 2**20,
            deadlock_s=self.deadlock_s,
            step_idle_s=self.step_idle_s,
        )

    def admission_limits(self) -> AdmissionLimits:
        return AdmissionLimits(
            max_runs=self.max_runs,
            max_runs_per_client=self.max_runs_per_client,
            max_runs_per_address=max(self.max_runs_per_address, self.max_runs_per_client),
            runs_per_minute=self.runs_per_minute,
            steps_per_minute=self.steps_per_minute,
        )
