"""Faults switched on by configuration behave as configured: which path, how often, what the
client sees on the wire, the same way for the same seed."""

from __future__ import annotations

import time
from functools import partial

import httpx
import pytest

from sandbox.faults import Fault, FaultInjector, FaultPlan
from sandbox.servers import Sandbox

# only the server under test: starting and stopping all four for every test is slow
open_sandbox = partial(Sandbox, vendors=("stripe",))


HTTP = httpx.Client(timeout=10)  # one client: a new one per call costs ~0.1 s of TLS setup


class Data:
    stripe = {
        "charges": [
            {"id": "ch_1", "object": "charge", "created": 1, "amount": 5, "currency": "usd"}
        ]
    }


def serve(*faults: Fault, seed: int = 0) -> Sandbox:
    return open_sandbox(Data(), faults=FaultPlan(seed=seed, faults=list(faults)))


def get(sb: Sandbox, path: str = "/v1/charges") -> httpx.Response:
    headers = {"Authorization": f"Bearer {sb.credentials.stripe_api_key}"}
    return HTTP.get(sb.urls["stripe"] + path, headers=headers)


def test_rate_limit_fires_the_configured_times_then_lets_requests_through():
    with serve(
        Fault(kind="rate_limit", server="stripe", path="/v1/charges", times=2, retry_after=3)
    ) as sb:
        statuses = [get(sb).status_code for _ in range(3)]
        first = get(sb)
        assert statuses == [429, 429, 200] and first.status_code == 200
        assert sb.hosts["stripe"].requests("/v1/charges") == 4


def test_rate_limit_answers_in_the_vendor_envelope_with_retry_after():
    with serve(Fault(kind="rate_limit", server="stripe", times=1, retry_after=3)) as sb:
        response = get(sb)
        assert response.status_code == 429
        assert response.headers["retry-after"] == "3"
        assert response.json()["error"]["code"] == "rate_limit"


def test_fault_on_one_path_leaves_other_paths_alone():
    with serve(Fault(kind="server_error", path="/v1/charges/*")) as sb:
        assert get(sb).status_code == 200
        failed = get(sb, "/v1/charges/ch_1")
        assert failed.status_code == 500 and failed.json()["error"]["type"] == "api_error"


def test_after_lets_the_first_requests_through():
    with serve(Fault(kind="server_error", after=2, times=1)) as sb:
        assert [get(sb).status_code for _ in range(4)] == [200, 200, 500, 200]


def test_reset_drops_the_connection_mid_response():
    with serve(Fault(kind="reset", times=1)) as sb:
        with pytest.raises(httpx.RemoteProtocolError):
            get(sb)
        assert get(sb).status_code == 200


def test_malformed_body_is_not_json():
    with serve(Fault(kind="malformed", times=1)) as sb:
        response = get(sb)
        assert response.status_code == 200
        with pytest.raises(ValueError):
            response.json()


def test_slow_responses_wait_then_answer():
    with serve(Fault(kind="slow", delay_seconds=0.3, times=1)) as sb:
        started = time.monotonic()
        assert get(sb).status_code == 200
        assert time.monotonic() - started >= 0.3


def test_probability_is_seeded_and_repeatable():
    plan = FaultPlan(seed=42, faults=[Fault(kind="server_error", probability=0.5)])

    def pattern(injector: FaultInjector) -> list[bool]:
        return [injector.pick("stripe", "GET", "/v1/charges") is not None for _ in range(40)]

    first, second = pattern(FaultInjector(plan)), pattern(FaultInjector(plan))
    assert first == second and 5 < sum(first) < 35


def test_server_and_method_must_match():
    injector = FaultInjector(
        FaultPlan(faults=[Fault(kind="server_error", server="plaid", method="POST")])
    )
    assert injector.pick("stripe", "POST", "/x") is None
    assert injector.pick("plaid", "GET", "/x") is None
    assert injector.pick("plaid", "POST", "/x") is not None
    assert injector.fired("server_error") == 1
