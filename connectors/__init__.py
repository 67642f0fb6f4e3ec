"""Vendor clients built from Settings: each vendor's official SDK (or its REST API where the SDK
cannot hand back the raw bytes), pointed at the vendor or at the loopback sandbox by
configuration only.

    PlaidConnector.from_settings(s).sync_page(cursor, account_id)          -> Page
    StripeConnector.from_settings(s).list_page(path, params, starting_after) -> Page
    ShopifyConnector.from_settings(s).page(url, resource)                  -> Page
    QuickBooksConnector.from_settings(s, token_kv).query_page(entity, start, end, position)

A `Page` (`connectors.pages`) is the body exactly as received, where it came from, the body
parsed for paging only, the next cursor, and what the vendor said beside it (`notices`). Failures are `connectors.errors` kinds:
`TransientVendorError` (retry; `retry_after` from the vendor), `VendorAuthError`,
`VendorRequestError` (both permanent, naming the vendor's own error code).
"""
