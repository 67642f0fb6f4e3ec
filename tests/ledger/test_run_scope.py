"""What a run reconciles out of the ledger: the bank lines of the accounts the books keep."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from activities.reconcile_scope import load_scope
from ledger import canonical
from ledger import results as ledger_results
from models.io import StartRunInput, Window
from models.records import BankTransaction, Source
from runtime.settings import Settings
from tests.engine.builders import bank

OCTOBER = Window(
    start=datetime(2026, 10, 1, tzinfo=UTC),
    end=datetime(2026, 11, 1, tzinfo=UTC),
    as_of=datetime(2026, 11, 3, tzinfo=UTC),
)
CHECKING, SAVINGS = "acc_checking_0001", "acc_savings_0002"


async def scope_ids(sessions, **settings) -> set[str]:
    spec = StartRunInput(
        workflow_id=f"test-{uuid.uuid4()}",
        workflow_run_id="r1",
        window=OCTOBER,
        sources=list(Source),
    )
    async with sessions.begin() as session:
        run_id = await ledger_results.start_run(session, spec)
    async with sessions() as session:
        scope = await load_scope(session, run_id, Settings(_env_file=None, **settings))  # type: ignore[call-arg]
    return {r.ref.id for r in scope.records if isinstance(r, BankTransaction)}


async def test_only_the_named_plaid_accounts_are_reconciled(sessions):
    """A transfer to savings stored before `PLAID_ACCOUNT_IDS` named checking alone stays in
    the ledger but out of the run: it would show as money in with nothing to match it."""
    lines = [
        bank("txn-deposit", "-1250.00", 5).model_copy(update={"account_id": CHECKING}),
        bank("txn-to-savings", "500.00", 9).model_copy(update={"account_id": CHECKING}),
        bank("txn-from-checking", "-500.00", 9).model_copy(update={"account_id": SAVINGS}),
    ]
    async with sessions.begin() as session:
        await canonical.save_versions(session, [(line, None) for line in lines])
    everything = {"txn-deposit", "txn-to-savings", "txn-from-checking"}
    assert await scope_ids(sessions) == everything
    assert await scope_ids(sessions, plaid_account_ids=[CHECKING]) == everything - {
        "txn-from-checking"
    }
    assert await scope_ids(sessions, plaid_account_ids=[CHECKING, SAVINGS]) == everything
