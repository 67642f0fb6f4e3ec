"""`/encode` and `/decode` as the Temporal UI and `temporal` CLI call them.

The UI posts `{"payloads": [...]}` (protobuf JSON: metadata values and data in base64) with the
namespace in `X-Namespace`, from the browser, so CORS must allow the UI's origin. Anyone who can
call `/decode` reads amounts and emails, so every call needs `Authorization: Bearer <token>`
(`CODEC_SERVER_TOKEN`); only local mode may run without one.

Run: `uvicorn --factory codec_server.app:create_app --host 0.0.0.0 --port 8081`.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from models.errors import AccordError, ConfigurationError
from runtime.codec import codec_from_settings
from runtime.settings import Settings, get_settings

log = logging.getLogger("accord.codec_server")

DEFAULT_UI_ORIGINS = ["http://localhost:8080", "http://localhost:8233"]

Transform = Callable[[Sequence[Payload]], Awaitable[list[Payload]]]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    codec = codec_from_settings(settings)
    if codec is None:
        raise ConfigurationError("the codec server needs CODEC_KEYS (and CODEC_ACTIVE_KEY)")
    app = FastAPI(title="Accord codec server", docs_url=None, redoc_url=None)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(getattr(settings, "codec_cors_origins", None) or DEFAULT_UI_ORIGINS),
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
        allow_credentials=True,
    )
    authorized = bearer_check(settings)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/encode", dependencies=[Depends(authorized)])
    async def encode(request: Request) -> dict[str, Any]:
        return await transform(request, codec.encode)

    @app.post("/decode", dependencies=[Depends(authorized)])
    async def decode(request: Request) -> dict[str, Any]:
        return await transform(request, codec.decode)

    return app


def bearer_check(settings: Settings) -> Callable[[Request], None]:
    """A dependency that refuses calls without the configured bearer token."""
    secret = getattr(settings, "codec_server_token", None)
    token = secret.get_secret_value() if secret is not None else ""
    if not token:
        if settings.environment == "production":
            raise ConfigurationError("CODEC_SERVER_TOKEN must be set in production")
        log.warning("codec server without CODEC_SERVER_TOKEN: anyone who reaches it can decode")

    def check(request: Request) -> None:
        if not token:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "a valid `Authorization: Bearer <token>` is required")

    return check


async def transform(request: Request, step: Transform) -> dict[str, Any]:
    body = await request.body()
    try:
        payloads = json_format.Parse(body, Payloads())
    except json_format.ParseError as error:
        raise HTTPException(400, f'the body is not {{"payloads": [...]}}: {error}') from None
    try:
        result = await step(list(payloads.payloads))
    except (AccordError, InvalidTag) as error:
        raise HTTPException(
            400, f"cannot decode: {error or 'payload fails authentication'}"
        ) from None
    return json_format.MessageToDict(Payloads(payloads=result))
