"""Loopback HTTP servers speaking Plaid, Stripe, Shopify Admin REST and QuickBooks Online.

from sandbox.servers import run_sandbox
async with run_sandbox(data) as sb:
    sb.env()   # settings that point Accord's SDK clients at the sandbox
"""

from sandbox.servers.runner import Credentials, Sandbox, run_sandbox, serve_forever

__all__ = ["Credentials", "Sandbox", "run_sandbox", "serve_forever"]
