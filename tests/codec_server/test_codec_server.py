"""The codec server as the Temporal UI calls it: base64 JSON payloads, CORS, bearer token."""

from __future__ import annotations

import base64
import os
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from temporalio.contrib.pydantic import pydantic_data_converter

from models.errors import ConfigurationError
from runtime.settings import Settings

UI = "http://localhost:8080"
TOKEN = "s3cret-token-for-tests"


class CodecSettings(Settings):
    """Settings with the codec fields asked of the lead (same names and types)."""

    codec_keys: dict[str, SecretStr] = {}
    codec_active_key: str | None = None
    codec_server_token: SecretStr | None = None
    codec_cors_origins: list[str] = []


def make_settings(**overrides) -> CodecSettings:
    keys = {"k1": SecretStr(base64.b64encode(os.urandom(32)).decode())}
    values: dict[str, Any] = dict(
        codec_keys=keys,
        codec_active_key="k1",
        codec_server_token=SecretStr(TOKEN),
        codec_cors_origins=[UI],
    )
    values.update(overrides)
    return CodecSettings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def http() -> TestClient:
    from codec_server.app import create_app

    return TestClient(create_app(make_settings()))


def as_ui_json(amount: str) -> dict:
    payload = pydantic_data_converter.payload_converter.to_payloads([Decimal(amount)])[0]
    return {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
                "data": base64.b64encode(payload.data).decode(),
            }
        ]
    }


AUTH = {"Authorization": f"Bearer {TOKEN}", "X-Namespace": "default"}


def test_encode_then_decode_gives_back_the_payload(http: TestClient):
    plain = as_ui_json("1234.56")
    sealed = http.post("/encode", json=plain, headers=AUTH)
    assert sealed.status_code == 200
    [payload] = sealed.json()["payloads"]
    assert base64.b64decode(payload["metadata"]["encoding"]) == b"binary/encrypted"
    assert b"1234.56" not in base64.b64decode(payload["data"])
    opened = http.post("/decode", json=sealed.json(), headers=AUTH)
    assert opened.json() == plain


def test_calls_without_the_token_are_refused(http: TestClient):
    assert http.post("/decode", json=as_ui_json("1")).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert http.post("/decode", json=as_ui_json("1"), headers=wrong).status_code == 401


def test_the_ui_origin_passes_cors_preflight_and_others_do_not(http: TestClient):
    def preflight(origin: str):
        return http.options(
            "/decode",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
            },
        )

    allowed = preflight(UI)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == UI
    assert "access-control-allow-origin" not in preflight("https://evil.example").headers


def test_a_malformed_body_gets_a_clear_400(http: TestClient):
    response = http.post("/decode", content=b"not json", headers=AUTH)
    assert response.status_code == 400
    assert "payloads" in response.json()["detail"]


def test_production_without_a_token_refuses_to_start():
    from codec_server.app import create_app

    with pytest.raises(ConfigurationError, match="CODEC_SERVER_TOKEN"):
        create_app(make_settings(environment="production", codec_server_token=None))
