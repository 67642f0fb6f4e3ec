"""Each vendor's error envelope is read into the right kind, naming the vendor's own code."""

from __future__ import annotations

import json

import httpx
import pyactiveresource.connection as arc
import pytest
import stripe

from activities.fetch_support import PageRetry
from connectors.errors import (
    TransientVendorError,
    VendorAuthError,
    VendorRequestError,
    retry_after_seconds,
)
from connectors.plaid import SyncMutationDuringPagination, plaid_error
from connectors.quickbooks import qbo_error
from connectors.shopify import shopify_error
from connectors.stripe import StripeConnector, stripe_error


def plaid_body(error_type: str, code: str) -> bytes:
    return json.dumps(
        {"error_type": error_type, "error_code": code, "error_message": "m", "request_id": "r"}
    ).encode()


@pytest.mark.parametrize(
    ("status", "error_type", "code", "kind"),
    [
        (400, "INVALID_INPUT", "INVALID_API_KEYS", VendorAuthError),
        (400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED", VendorAuthError),
        (400, "INVALID_REQUEST", "INVALID_FIELD", VendorRequestError),
        (429, "RATE_LIMIT_EXCEEDED", "TRANSACTIONS_SYNC_LIMIT", TransientVendorError),
        (500, "API_ERROR", "INTERNAL_SERVER_ERROR", TransientVendorError),
        (400, "ITEM_ERROR", "PRODUCT_NOT_READY", TransientVendorError),
        (400, "INSTITUTION_ERROR", "INSTITUTION_NOT_AVAILABLE", TransientVendorError),
        (400, "ITEM_ERROR", "ITEM_LOCKED", VendorAuthError),  # the user must relink
        (400, "ITEM_ERROR", "INVALID_CREDENTIALS", VendorAuthError),
        (400, "ITEM_ERROR", "USER_SETUP_REQUIRED", VendorAuthError),
    ],
)
def test_plaid_errors(status, error_type, code, kind):
    error = plaid_error(status, plaid_body(error_type, code), "3")
    assert type(error) is kind and error.code == code


def test_a_plaid_mutation_is_restarted_not_retried_in_place():
    error = plaid_error(
        400, plaid_body("TRANSACTIONS_ERROR", "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"), None
    )
    assert isinstance(error, SyncMutationDuringPagination) and not error.retry_in_place


@pytest.mark.parametrize(
    ("error", "kind", "code"),
    [
        (stripe.AuthenticationError("Invalid API Key", http_status=401), VendorAuthError, None),
        (stripe.PermissionError("nope", http_status=403), VendorAuthError, None),
        (
            stripe.InvalidRequestError(
                "bad", "limit", code="parameter_invalid_integer", http_status=400
            ),
            VendorRequestError,
            "parameter_invalid_integer",
        ),
        (
            stripe.RateLimitError("slow down", http_status=429, code="rate_limit"),
            TransientVendorError,
            "rate_limit",
        ),
        (stripe.APIError("boom", http_status=500), TransientVendorError, None),
        (stripe.APIConnectionError("reset"), TransientVendorError, None),
    ],
)
def test_stripe_errors(error, kind, code):
    result = stripe_error(error)
    assert type(result) is kind
    assert result.code == (code or type(error).__name__)


@pytest.mark.parametrize(
    ("status", "body", "kind", "code"),
    [
        (
            401,
            {
                "fault": {
                    "error": [{"message": "message=AuthenticationFailed", "code": "3200"}],
                    "type": "AUTHENTICATION",
                }
            },
            VendorAuthError,
            "3200",
        ),
        (
            400,
            {
                "Fault": {
                    "Error": [
                        {"Message": "Invalid query", "Detail": "QueryParserError", "code": "4000"}
                    ],
                    "type": "ValidationFault",
                }
            },
            VendorRequestError,
            "4000",
        ),
        (
            429,
            {
                "Fault": {
                    "Error": [{"Message": "ThrottleExceeded", "code": "003001"}],
                    "type": "SERVICE",
                }
            },
            TransientVendorError,
            "003001",
        ),
        (503, "<html>down</html>", TransientVendorError, "http_503"),
        (  # Intuit's older throttle answer (quickbooks-ruby fixture throttle_exceeded_error)
            403,
            {
                "Fault": {
                    "Error": [
                        {
                            "Message": "message=ThrottleExceeded; errorCode=003001; statusCode=403",
                            "code": "3001",
                        }
                    ],
                    "type": "SERVICE",
                }
            },
            TransientVendorError,
            "3001",
        ),
        (
            400,
            {
                "Fault": {
                    "Error": [{"Message": "An application error has occurred", "code": "10000"}],
                    "type": "SystemFault",
                }
            },
            TransientVendorError,
            "10000",
        ),
        (
            403,
            {
                "Fault": {
                    "Error": [{"Message": "ApplicationAuthorizationFailed", "code": "003100"}],
                    "type": "AUTHORIZATION",
                }
            },
            VendorAuthError,
            "003100",
        ),
    ],
)
def test_quickbooks_errors(status, body, kind, code):
    content = json.dumps(body).encode() if isinstance(body, dict) else body.encode()
    response = httpx.Response(status, content=content, headers={"Retry-After": "7"})
    error = qbo_error(response)
    assert type(error) is kind and error.code == code
    if kind is TransientVendorError:
        assert error.retry_after == 7


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("2.0", 2.0), ("0", 0.0), (None, None), ("Wed, 21 Oct 2015 07:28:00 GMT", None)],
)
def test_retry_after(value, seconds):
    assert retry_after_seconds(value) == seconds


def test_a_retry_after_of_zero_still_backs_off():
    retry = PageRetry(initial=0.5)
    assert retry.delay(3, 0.0) >= 0.5 * 4 * 0.8  # the backoff, not six calls in a row
    assert retry.delay(1, 20.0) == 20.0  # never sooner than the vendor asked


def test_a_stripe_page_whose_last_record_has_no_id_is_malformed_not_a_crash():
    """Paging needs the last record's id; without it the page fails as a malformed body,
    named, and is retried like any other (not a KeyError)."""

    class Answer:
        data = {"object": "list", "has_more": True, "data": [{"id": "ch_1"}, {"amount": 5}]}
        body = json.dumps(data)

    class Client:
        def raw_request(self, method, path, **params):
            return Answer()

    with pytest.raises(TransientVendorError) as failed:
        StripeConnector(Client())._list_page("/v1/charges", {"limit": 100})  # type: ignore[arg-type]
    assert failed.value.code == "malformed_body" and "data[1] has no id" in str(failed.value)


@pytest.mark.parametrize(
    ("error", "kind", "code", "retry_after"),
    [
        (arc.UnauthorizedAccess, VendorAuthError, "http_401", None),
        (arc.ResourceNotFound, VendorRequestError, "http_404", None),
        (arc.ClientError, TransientVendorError, "http_429", 2.0),
        (arc.ServerError, TransientVendorError, "http_503", 4.0),  # its Retry-After too
    ],
)
def test_shopify_errors(error, kind, code, retry_after):
    status = int(code.removeprefix("http_"))
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    failure = error()  # as pyactiveresource raises it: the HTTP response attached
    failure.response, failure.code = arc.Response(status, b'{"errors": "nope"}', headers), status
    result = shopify_error(failure)
    assert type(result) is kind and result.code == code
    if kind is TransientVendorError:
        assert result.retry_after == retry_after
