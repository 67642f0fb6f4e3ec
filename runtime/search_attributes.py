"""The custom search attributes Accord sets on every reconciliation run.

They let an operator filter runs in the Temporal UI (`AccordHighCount > 0`,
`AccordSources IN ('stripe')`). Search attributes have no decimal type, so
`AccordMoneyAtStake` is a float meant only for filtering; the ledger keeps the exact Decimal.

Temporal's SQL visibility stores (SQLite for the dev server, PostgreSQL in production) hold at
most three custom attributes of each numeric type. Accord has four counts, so the low-severity
count is a Double (always a whole number; `AccordLowCount > 0` filters the same way). Set it
with `float(count)`.
"""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import (
    SearchAttributeIndexedValueType,
    SearchAttributeKey,
)

WINDOW_START = SearchAttributeKey.for_datetime("AccordWindowStart")
WINDOW_END = SearchAttributeKey.for_datetime("AccordWindowEnd")
SOURCES = SearchAttributeKey.for_keyword_list("AccordSources")
HIGH_COUNT = SearchAttributeKey.for_int("AccordHighCount")
MEDIUM_COUNT = SearchAttributeKey.for_int("AccordMediumCount")
LOW_COUNT = SearchAttributeKey.for_float("AccordLowCount")  # see the module docstring
MONEY_AT_STAKE = SearchAttributeKey.for_float("AccordMoneyAtStake")
APPROVALS_WAITING = SearchAttributeKey.for_int("AccordApprovalsWaiting")

ALL_KEYS: tuple[SearchAttributeKey, ...] = (
    WINDOW_START,
    WINDOW_END,
    SOURCES,
    HIGH_COUNT,
    MEDIUM_COUNT,
    LOW_COUNT,
    MONEY_AT_STAKE,
    APPROVALS_WAITING,
)

# The names `temporal server start-dev --search-attribute Name=Type` understands.
_CLI_TYPE_NAMES = {
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}


def cli_flags() -> list[str]:
    """`--search-attribute Name=Type` pairs for the dev server's command line."""
    flags: list[str] = []
    for key in ALL_KEYS:
        flags += ["--search-attribute", f"{key.name}={_CLI_TYPE_NAMES[key.indexed_value_type]}"]
    return flags


async def register_search_attributes(client: Client, namespace: str) -> list[str]:
    """Add Accord's search attributes to a cluster; those already there are left alone.

    Returns the names it added (empty when all were present), so a second call is a no-op.
    """
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    missing = {
        key.name: IndexedValueType.ValueType(int(key.indexed_value_type))
        for key in ALL_KEYS
        if key.name not in existing.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return sorted(missing)


async def _register_from_settings() -> None:
    from runtime.client import connect_temporal
    from runtime.settings import get_settings

    settings = get_settings()
    if not settings.temporal_address:
        raise SystemExit("TEMPORAL_ADDRESS is not set; the embedded server registers these itself")
    client = await connect_temporal(
        settings.temporal_address, settings.temporal_namespace, settings=settings
    )
    added = await register_search_attributes(client, settings.temporal_namespace)
    print(f"search attributes added: {', '.join(added) or 'none (all present)'}")


if __name__ == "__main__":
    import asyncio

    from runtime.shutdown import exit_without_finalizing

    asyncio.run(_register_from_settings())
    exit_without_finalizing(0)
