"""Logs a machine can read and SDK metrics Prometheus can scrape.

Temporal's `workflow.logger` and `activity.logger` attach the workflow id, run id and activity
id to each record (`temporal_workflow` / `temporal_activity` in the record's extra); the JSON
formatter lifts them to top-level keys, so one `jq 'select(.workflow_id == "...")'` follows a
run across workers. Metrics: the SDK core exposes `/metrics` on `METRICS_BIND_ADDRESS` when
the worker's client is connected with `telemetry_runtime(settings)`.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

from temporalio import activity, workflow
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from runtime.settings import Settings

_WORKFLOW_KEYS = {
    "workflow_id": "workflow_id",
    "run_id": "run_id",
    "workflow_type": "workflow_type",
}
_ACTIVITY_KEYS = {
    "workflow_id": "workflow_id",
    "workflow_run_id": "run_id",
    "activity_id": "activity_id",
    "activity_type": "activity_type",
    "attempt": "attempt",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the Temporal ids if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_pick(getattr(record, "temporal_workflow", None), _WORKFLOW_KEYS))
        entry.update(_pick(getattr(record, "temporal_activity", None), _ACTIVITY_KEYS))
        update = getattr(record, "temporal_workflow", None) or {}
        if "update_id" in update:
            entry["update_id"] = update["update_id"]
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _pick(details: Any, keys: dict[str, str]) -> dict[str, Any]:
    if not isinstance(details, dict):
        return {}
    return {out: details[key] for key, out in keys.items() if key in details}


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """Route the root logger to `stream` (stderr) as JSON or plain text; returns the handler.

    `LOG_FORMAT` is `json` or `text` (default: json in production, text locally); `LOG_LEVEL`
    defaults to INFO.
    """
    fmt = getattr(settings, "log_format", None) or (
        "json" if settings.environment == "production" else "text"
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
        # The ids are keys of their own; do not repeat them inside the message text.
        activity.logger.activity_info_on_message = False
        workflow.logger.workflow_info_on_message = False
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(str(getattr(settings, "log_level", None) or "INFO").upper())
    return handler


def metrics_runtime(bind_address: str) -> Runtime:
    """A Temporal SDK runtime serving Prometheus metrics on `http://<bind_address>/metrics`."""
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind_address)))


def telemetry_runtime(settings: Settings) -> Runtime | None:
    """The runtime for the worker's client: with metrics when `METRICS_BIND_ADDRESS` is set."""
    address = getattr(settings, "metrics_bind_address", None)
    return metrics_runtime(address) if address else None
