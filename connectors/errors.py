"""How a vendor call failed, in three kinds the fetch activities act on.

- `TransientVendorError`: try again (429, 5xx, a dropped connection); `retry_after` is the
  vendor's own hint in seconds when it gave one (`Retry-After`).
- `VendorAuthError`: the credentials are wrong or revoked; retrying cannot help.
- `VendorRequestError`: the vendor refused the request itself; retrying cannot help.

Each carries the vendor's own error code so an operator can look it up in the vendor's docs.
"""

from __future__ import annotations

from models.errors import AccordError, PermanentVendorError


class TransientVendorError(AccordError):
    retry_in_place = True  # False: the caller must restart from elsewhere, not repeat the call

    def __init__(
        self, vendor: str, code: str, message: str, retry_after: float | None = None
    ) -> None:
        self.vendor = vendor
        self.code = code
        self.retry_after = retry_after
        super().__init__(f"{vendor} {code}: {message}")


class MalformedPage(TransientVendorError):
    """A 200 whose body is not the page it should be (cut short, not JSON, no envelope):
    worth another try, and kept as received (`body`) when the tries run out."""

    def __init__(self, vendor: str, code: str, origin: str, detail: str, body: bytes) -> None:
        super().__init__(vendor, code, f"{origin}: {detail}")
        self.origin = origin
        self.body = body


class VendorAuthError(PermanentVendorError):
    """401/403 or the vendor's own 'bad credentials' code."""


class VendorRequestError(PermanentVendorError):
    """A request the vendor refuses (400, 404, 422, a query it cannot parse)."""


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds; an HTTP-date or garbage is ignored (we back off instead)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0)


def by_status(
    vendor: str, status: int, code: str, message: str, retry_after: float | None = None
) -> AccordError:
    """The usual HTTP reading: 401/403 auth, 429 and 5xx transient, other 4xx a bad request."""
    if status in (401, 403):
        return VendorAuthError(vendor, code, message)
    if status == 429 or status >= 500 or status == 0:
        return TransientVendorError(vendor, code, message, retry_after)
    return VendorRequestError(vendor, code, message)
