"""docker-compose.yml: a valid Compose file whose Accord services only pass settings Accord reads."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from runtime.settings import Settings
from tests.deploy.compose_env import MissingVariable, all_variables, interpolate, required_variables

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()


def compose_schema() -> dict:
    """The Compose Specification schema as shipped inside check-jsonschema (no network)."""
    try:
        vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    except ModuleNotFoundError:
        pytest.fail("the dev dependency check-jsonschema (it ships compose-spec.json) is missing")
    return json.loads((vendor / "compose-spec.json").read_text())


def sample_env() -> dict[str, str]:
    return {name: f"value-of-{name.lower()}" for name in required_variables(COMPOSE_TEXT)}


def loaded() -> dict:
    return yaml.safe_load(interpolate(COMPOSE_TEXT, sample_env()))


def accord_services(compose: dict) -> dict[str, dict]:
    return {
        name: service
        for name, service in compose["services"].items()
        if str(service.get("image", "")).startswith("accord:") or "build" in service
    }


def test_the_file_follows_the_compose_specification():
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(loaded())]
    assert errors == []


def test_the_schema_check_catches_a_misspelt_key():
    """Guards the test above: a validator that ignored the schema would pass anything."""
    schema = compose_schema()
    broken = loaded()
    broken["services"]["worker"]["helthcheck"] = broken["services"]["worker"].pop("healthcheck")
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(broken))
    assert any("helthcheck" in error.message for error in errors)


def test_secrets_are_required_not_defaulted():
    required = required_variables(COMPOSE_TEXT)
    for secret in (
        "LEDGER_DB_PASSWORD",
        "TEMPORAL_DB_PASSWORD",
        "CODEC_KEYS",
        "CODEC_SERVER_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_BOT_TOKEN",
    ):
        assert secret in required
    env = sample_env()
    del env["CODEC_KEYS"]
    with pytest.raises(MissingVariable, match="CODEC_KEYS: set CODEC_KEYS"):
        interpolate(COMPOSE_TEXT, env)


def test_every_variable_accord_services_receive_is_a_setting():
    fields = {name.upper() for name in Settings.model_fields}
    passed = {
        key
        for service in accord_services(loaded()).values()
        for key in (service.get("environment") or {})
    }
    assert passed, "the Accord services receive their configuration"
    ignored = sorted(passed - fields)
    assert not ignored, f"Settings has no field for {ignored}: the services would not see them"


# Variables only docker compose itself uses (interpolation), never read by Accord.
COMPOSE_ONLY = {
    "TEMPORAL_DB_PASSWORD",
    "LEDGER_DB_PASSWORD",
    "CODEC_SERVER_PUBLIC_URL",
    "SLACK_ENDPOINT_PORT",
    "TEMPORAL_CODEC_PASS_ACCESS_TOKEN",
    "ACCORD_VERSION",
}


def env_example_keys() -> set[str]:
    example = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))


def test_accord_services_read_env_file_and_it_holds_only_settings():
    """The services get `.env` whole, so each of its keys must be a setting (or compose's own)."""
    for name, service in accord_services(loaded()).items():
        if name != "codec-server":
            assert service["env_file"] == ".env", name
    fields = {name.upper() for name in Settings.model_fields}
    ignored = sorted(env_example_keys() - fields - COMPOSE_ONLY)
    assert not ignored, f".env.example documents {ignored}, which Settings does not read"


def test_every_compose_variable_is_documented_in_env_example():
    documented = env_example_keys()
    version_pins = {v for v in all_variables(COMPOSE_TEXT) if v.endswith("_VERSION")}
    assert sorted(all_variables(COMPOSE_TEXT) - documented - version_pins) == []


def test_accord_services_have_health_checks_and_run_commands_that_exist():
    from starter import app

    services = accord_services(loaded())
    assert {"worker", "slack", "codec-server"} <= set(services)
    for name in ("worker", "slack", "codec-server"):
        assert services[name]["healthcheck"]["test"], name
    commands = {c.name or c.callback.__name__ for c in app.registered_commands}
    assert "serve" in commands, "the slack service runs `starter.py serve`"
    assert (ROOT / "worker.py").is_file()
    assert "python -m runtime.search_attributes" in " ".join(services["accord-setup"]["command"])


def test_the_image_copies_every_package_of_the_project():
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\S+) \./", dockerfile, re.MULTILINE))
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert sorted(packages - copied) == []
