"""A recorded-source directory read the way a run reads it, without the database.

Pages are split and normalized by `normalizers`; `balance_transactions_payout_<id>` pages link
their transactions to the payout; the scope rules of `activities.reconcile_scope` (pending lines
replaced by posted ones, nothing dated after `as_of`) are applied by the same functions. Records
that cannot be read are left out (the ledger reports them as `input` findings, not the engine).
"""

from __future__ import annotations

from pathlib import Path

from activities.ingest import PAYOUT_PAGE
from activities.reconcile_scope import known_by, with_payouts, without_superseded_pending
from activities.recorded import recorded_pages
from models.errors import InputError
from models.io import Window
from models.records import CanonicalRecord, Source
from normalizers import load_json, normalize, split_page


def _read_source(folder: Path, source: Source, records: dict, links: dict[str, str]) -> None:
    for page_type, path in recorded_pages(folder):
        payout = PAYOUT_PAGE.match(page_type)
        base = "balance_transactions" if payout else page_type
        where = f"file {source.value}/{path.name}"
        items = split_page(source, base, load_json(path.read_bytes(), where=where), where=where)
        for item in items:
            if payout:
                links[item.vendor_id] = payout["payout"]
            key = f"{source.value}:{item.object_type}:{item.vendor_id}"
            if item.op == "remove":
                records.pop(key, None)
                continue
            try:
                for record in normalize(source, item.object_type, item.payload, where=where):
                    records[record.ref.key] = record
            except InputError:
                continue


def read_recorded(root: Path, window: Window) -> list[CanonicalRecord]:
    records: dict[str, CanonicalRecord] = {}
    links: dict[str, str] = {}
    for source in Source:
        if (root / source.value).is_dir():
            _read_source(root / source.value, source, records, links)
    found = [r for r in records.values() if known_by(r, window.as_of)]
    return without_superseded_pending(with_payouts(found, links))
