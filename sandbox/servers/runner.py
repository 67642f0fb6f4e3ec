"""Start every loopback vendor server over one generated business, and say how to reach them.

    async with run_sandbox(data, faults=FaultPlan(...)) as sb:
        settings = Settings(**sb.env())          # PLAID_BASE_URL=..., STRIPE_API_KEY=..., ...
        sb.hosts["stripe"].requests("/v1/charges")

`data` is a `sandbox.generator.VendorData` (anything with its attributes; a missing one serves an
empty source). `sb.plaid`, `sb.stripe`, `sb.shopify`, `sb.quickbooks` are the live states, so a
test can change the data while the servers run. `vendors=("stripe",)` starts only some servers.
`serve_forever` is the blocking form used by `python starter.py sandbox`.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sandbox.faults import FaultInjector, FaultPlan
from sandbox.servers import plaid, quickbooks, shopify, stripe
from sandbox.servers.host import VendorHost
from sandbox.servers.quickbooks_auth import OAuthState

VENDORS = ("plaid", "stripe", "shopify", "quickbooks")


@dataclass(frozen=True)
class Credentials:
    """The keys the sandbox accepts; `env()` hands the same ones to Accord."""

    plaid_client_id: str = "sandbox-plaid-client"
    plaid_secret: str = "sandbox-plaid-secret-0001"
    # Each sandbox started is a new connection of the business: a new Plaid item (its own sync
    # cursor) and a new QuickBooks authorization (its own refresh-token chain), as after a
    # person links the accounts again. Fixed ids would meet the cursor and rotated token that an
    # earlier sandbox left in the ledger, which this sandbox cannot know.
    plaid_access_token: str = field(
        default_factory=lambda: f"access-sandbox-{secrets.token_hex(8)}"
    )
    stripe_api_key: str = "sk_test_accordsandbox0001"
    shopify_access_token: str = "shpat_accordsandbox0001"
    shopify_api_version: str = "2024-10"
    qbo_client_id: str = "ABsandboxclientid0001"
    qbo_client_secret: str = "sandbox-qbo-secret-0001"
    qbo_realm_id: str = "9341453050000001"
    qbo_refresh_token: str = field(default_factory=lambda: f"RT1-sandbox-{secrets.token_hex(8)}")


class Sandbox:
    """The vendor servers on loopback ports; a context manager (sync or async)."""

    def __init__(
        self,
        data: Any,
        faults: FaultPlan | None = None,
        credentials: Credentials | None = None,
        vendors: Iterable[str] = VENDORS,
        shopify_bucket: tuple[int, float] = (40, 2.0),
        qbo_throttle: tuple[int, float] = (500, 60.0),
        qbo_access_ttl: float = 3600.0,
    ) -> None:
        c = self.credentials = credentials or Credentials()
        self.faults = FaultInjector(faults)
        self.plaid = plaid.PlaidState(
            getattr(data, "plaid_transactions", None) or [],
            c.plaid_client_id,
            c.plaid_secret,
            c.plaid_access_token,
            getattr(data, "plaid_accounts", None),
            getattr(data, "plaid_modified", None),
            getattr(data, "plaid_removed", None),
        )
        self.stripe = stripe.StripeState(
            getattr(data, "stripe", None) or {},
            getattr(data, "stripe_payout_members", None) or {},
            c.stripe_api_key,
        )
        shop = getattr(data, "shopify", None) or {}
        self.shopify = shopify.ShopifyState(
            shop.get("orders", []),
            shop.get("customers", []),
            c.shopify_access_token,
            shopify.LeakyBucket(*shopify_bucket),
        )
        oauth = OAuthState(
            c.qbo_client_id, c.qbo_client_secret, c.qbo_refresh_token, access_ttl=qbo_access_ttl
        )
        self.quickbooks = quickbooks.QuickBooksState(
            getattr(data, "quickbooks", None) or {},
            c.qbo_realm_id,
            oauth,
            quickbooks.Throttle(*qbo_throttle),
        )
        self.hosts = {name: self._host(name) for name in vendors}

    def _host(self, name: str) -> VendorHost:
        apps = {
            "plaid": (plaid.build_app(self.plaid, self.faults), plaid.fault_response),
            "stripe": (stripe.build_app(self.stripe), stripe.fault_response),
            "shopify": (shopify.build_app(self.shopify), shopify.fault_response),
            "quickbooks": (quickbooks.build_app(self.quickbooks), quickbooks.fault_response),
        }
        if name not in apps:
            raise ValueError(f"unknown sandbox vendor {name!r}; choose from {', '.join(VENDORS)}")
        app, fault_response = apps[name]
        return VendorHost(name, app, fault_response, self.faults)

    @property
    def urls(self) -> dict[str, str]:
        return {name: host.url for name, host in self.hosts.items()}

    def env(self) -> dict[str, str]:
        """The settings (runtime/settings.py names) that point Accord at the running servers."""
        c, urls = self.credentials, self.urls
        out: dict[str, str] = {}
        if "plaid" in urls:
            out |= {
                "PLAID_BASE_URL": urls["plaid"],
                "PLAID_CLIENT_ID": c.plaid_client_id,
                "PLAID_SECRET": c.plaid_secret,
                "PLAID_ACCESS_TOKEN": c.plaid_access_token,
            }
        if "stripe" in urls:
            out |= {"STRIPE_API_BASE": urls["stripe"], "STRIPE_API_KEY": c.stripe_api_key}
        if "shopify" in urls:
            out |= {
                "SHOPIFY_SHOP_URL": urls["shopify"],
                "SHOPIFY_ACCESS_TOKEN": c.shopify_access_token,
                "SHOPIFY_API_VERSION": c.shopify_api_version,
            }
        if "quickbooks" in urls:
            out |= {
                "QBO_BASE_URL": urls["quickbooks"],
                "QBO_REALM_ID": c.qbo_realm_id,
                "QBO_CLIENT_ID": c.qbo_client_id,
                "QBO_CLIENT_SECRET": c.qbo_client_secret,
                "QBO_REFRESH_TOKEN": self.quickbooks.oauth.refresh_token,
                # not (yet) a Settings field: where intuit-oauth's AuthClient finds the token URL
                "QBO_DISCOVERY_URL": urls["quickbooks"] + "/.well-known/openid_configuration",
            }
        return out

    def start(self) -> Sandbox:
        started: list[VendorHost] = []
        try:
            for host in self.hosts.values():
                host.start()
                started.append(host)
        except BaseException:
            for host in started:
                host.stop()
            raise
        return self

    def stop(self) -> None:
        for host in self.hosts.values():
            host.request_stop()
        for host in self.hosts.values():
            host.join()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Sandbox:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)


def run_sandbox(data: Any, faults: FaultPlan | None = None, **options: Any) -> Sandbox:
    """`async with run_sandbox(data) as sb:` (or plain `with`) serves `data` until the block ends.

    `options` are `Sandbox`'s: `credentials`, `vendors`, `shopify_bucket=(size, leak_per_second)`,
    `qbo_throttle=(requests, per_seconds)`, `qbo_access_ttl` (seconds).
    """
    return Sandbox(data, faults, **options)


def serve_forever(
    seed: int = 0, orders: int = 200, stop: threading.Event | None = None, **options: Any
) -> None:
    """Generate a business, serve it, print `KEY=value` settings, block until interrupted."""
    from sandbox.generator import generate

    with run_sandbox(generate(seed=seed, orders=orders), **options) as sb:
        for key, value in sb.env().items():
            print(f"{key}={value}", flush=True)
        try:
            (stop or threading.Event()).wait()
        except KeyboardInterrupt:
            pass
