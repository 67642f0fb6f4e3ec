"""What a run reconciles out of the ledger: the bank lines of the accounts the books keep."""

from __future__ import annotations

import itertools

from activities.reconcile_scope import load_scope
from ledger import canonical
from models.records import BankTransaction
from runtime.settings import Settings
from tests.engine.builders import bank
from tests.ledger.ledger_batches import open_test_run

CHECKING, SAVINGS = "acc_checking_0001", "acc_savings_0002"
RUNS = itertools.count(1)


async def scope_ids(sessions, **settings) -> set[str]:
    run_id = await open_test_run(sessions, n=next(RUNS))
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
