"""Workflow history carries ids and counts, never records: its size does not grow with the
month. A month fifteen times larger schedules the same activities with payloads of the same
size (but for the digits of its counts)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from google.protobuf.message import Message

from sandbox.generator import generate, write_recorded

PAYLOAD = "temporal.api.common.v1.Payload"


async def _history(reconcile, tmp_path, orders: int):
    month = generate(seed=5, month=date(2026, 10, 1), orders=orders)
    folder = tmp_path / f"recorded-{orders}"
    write_recorded(month, folder)
    done = await reconcile(folder, month.window)
    return done, await done.handle.fetch_history()


def _payload_bytes(message: Message) -> int:
    """Bytes of every payload (inputs, results, memo, search attributes) under a message."""
    if message.DESCRIPTOR.full_name == PAYLOAD:
        return len(message.data)  # type: ignore[attr-defined]
    total = 0
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if isinstance(value, Message):
            total += _payload_bytes(value)
        else:  # a repeated field or a map of messages
            items = value.values() if hasattr(value, "values") else value
            total += sum(_payload_bytes(item) for item in items if isinstance(item, Message))
    return total


def _activities(history) -> Counter[str]:
    return Counter(
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    )


async def test_history_size_does_not_grow_with_the_record_count(reconcile, tmp_path):
    small, small_history = await _history(reconcile, tmp_path, 20)
    large, large_history = await _history(reconcile, tmp_path, 300)
    assert large.summary.matches.matches > 10 * small.summary.matches.matches
    assert _activities(large_history) == _activities(small_history)
    small_bytes = sum(_payload_bytes(e) for e in small_history.events)
    large_bytes = sum(_payload_bytes(e) for e in large_history.events)
    assert small_bytes > 1000  # the walk found the payloads
    assert abs(large_bytes - small_bytes) <= small_bytes // 50, (small_bytes, large_bytes)
