"""The runner starts every vendor server over one generated month and hands Accord the settings
that reach them; `serve_forever` prints those settings and serves until told to stop."""

from __future__ import annotations

import contextlib
import io
import threading
import time

import httpx

from runtime.settings import Settings
from sandbox.faults import Fault, FaultPlan
from sandbox.generator import generate
from sandbox.servers import run_sandbox, serve_forever

HTTP = httpx.Client(timeout=10)
NOT_SETTINGS = {"QBO_DISCOVERY_URL"}  # intuit-oauth needs it; Settings has no field for it yet


async def test_all_four_vendors_serve_the_month_and_env_fills_settings():
    data = generate(seed=2, orders=20)
    async with run_sandbox(data) as sb, httpx.AsyncClient(timeout=10) as http:
        env = sb.env()
        fields = {name.upper() for name in Settings.model_fields}
        assert set(env) - NOT_SETTINGS <= fields
        settings = Settings(**{k.lower(): v for k, v in env.items() if k not in NOT_SETTINGS})
        assert settings.stripe_api_base == sb.urls["stripe"] and settings.qbo_realm_id
        assert set(sb.urls) == {"plaid", "stripe", "shopify", "quickbooks"}
        stripe = await http.get(
            env["STRIPE_API_BASE"] + "/v1/charges",
            params={"limit": 100},
            headers={"Authorization": f"Bearer {env['STRIPE_API_KEY']}"},
        )
        assert len(stripe.json()["data"]) == min(100, len(data.stripe["charges"]))
        shop = await http.get(
            f"{env['SHOPIFY_SHOP_URL']}/admin/api/{env['SHOPIFY_API_VERSION']}/orders/count.json",
            params={"status": "any"},
            headers={"X-Shopify-Access-Token": env["SHOPIFY_ACCESS_TOKEN"]},
        )
        assert shop.json() == {"count": len(data.shopify["orders"])}
        plaid = await http.post(
            env["PLAID_BASE_URL"] + "/transactions/sync",
            json={
                "client_id": env["PLAID_CLIENT_ID"],
                "secret": env["PLAID_SECRET"],
                "access_token": env["PLAID_ACCESS_TOKEN"],
                "count": 500,
            },
        )
        assert len(plaid.json()["added"]) == len(data.plaid_transactions)
        assert (
            (await http.get(env["QBO_DISCOVERY_URL"]))
            .json()["token_endpoint"]
            .startswith(env["QBO_BASE_URL"])
        )
        assert sb.hosts["stripe"].requests("/v1/charges") == 1


def test_env_gives_the_current_refresh_token_after_rotation():
    with run_sandbox(generate(seed=2, orders=20), vendors=("quickbooks",)) as sb:
        first = sb.env()["QBO_REFRESH_TOKEN"]
        HTTP.post(
            sb.urls["quickbooks"] + "/oauth2/v1/tokens/bearer",
            data={"grant_type": "refresh_token", "refresh_token": first},
            auth=(sb.credentials.qbo_client_id, sb.credentials.qbo_client_secret),
        )
        assert sb.env()["QBO_REFRESH_TOKEN"] not in (first, "")


def test_faults_in_the_plan_reach_every_vendor_in_its_own_envelope():
    plan = FaultPlan(faults=[Fault(kind="server_error", times=4)])
    with run_sandbox(generate(seed=2, orders=20), faults=plan) as sb:
        env = sb.env()
        bodies = {
            "stripe": HTTP.get(env["STRIPE_API_BASE"] + "/v1/payouts").json(),
            "shopify": HTTP.get(env["SHOPIFY_SHOP_URL"] + "/admin/api/2024-10/orders.json").json(),
            "plaid": HTTP.post(env["PLAID_BASE_URL"] + "/transactions/sync", json={}).json(),
            "quickbooks": HTTP.get(env["QBO_BASE_URL"] + "/v3/company/1/query").json(),
        }
        assert bodies["stripe"]["error"]["type"] == "api_error"
        assert bodies["shopify"] == {"errors": "Internal Server Error"}
        assert bodies["plaid"]["error_type"] == "API_ERROR"
        assert bodies["quickbooks"]["Fault"]["type"] == "SystemFault"
        assert sb.faults.fired("server_error") == 4


def test_serve_forever_prints_settings_and_stops_when_told():
    stop, out = threading.Event(), io.StringIO()

    def serve() -> None:
        with contextlib.redirect_stdout(out):
            serve_forever(seed=1, orders=20, stop=stop)

    thread = threading.Thread(target=serve)
    thread.start()
    deadline = time.monotonic() + 20
    while (
        "QBO_DISCOVERY_URL=" not in out.getvalue()
        and thread.is_alive()
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines())
    assert (
        HTTP.get(
            lines["STRIPE_API_BASE"] + "/v1/charges",
            headers={"Authorization": f"Bearer {lines['STRIPE_API_KEY']}"},
        ).status_code
        == 200
    )
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert {"PLAID_BASE_URL", "STRIPE_API_KEY", "SHOPIFY_SHOP_URL", "QBO_REFRESH_TOKEN"} <= set(
        lines
    )
