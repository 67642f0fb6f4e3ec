"""Live progress of a run, answered by the workflow's `progress` query."""

from __future__ import annotations

from pydantic import BaseModel, Field

from models.io import Window


class RunProgress(BaseModel):
    stage: str = "starting"
    run_id: int | None = None
    window: Window | None = None
    fetched: dict[str, str] = Field(default_factory=dict)
