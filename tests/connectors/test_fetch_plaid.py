"""Plaid `/transactions/sync` through plaid-python against the loopback Plaid sandbox."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace

import pytest
from temporalio.exceptions import ApplicationError

from activities.plaid import MAX_RESTARTS, PAGE_TYPE, PlaidActivities
from connectors.errors import MalformedPage
from connectors.plaid import PlaidConfig, PlaidConnector
from models.records import Source
from sandbox.faults import Fault, FaultPlan
from sandbox.servers import run_sandbox

from .conftest import fetch_input, sandbox_settings
from .connector_data import plaid_transactions
from .memory_ingestor import MemoryIngestor

DATA = plaid_transactions()
ALL_IDS = {t["transaction_id"] for t in DATA.plaid_transactions}
REQUEST = fetch_input(Source.PLAID)


def activities(sb, retry, ingestor, **overrides) -> PlaidActivities:
    connector = PlaidConnector.from_settings(sandbox_settings(sb.env(), **overrides))
    return PlaidActivities(connector, ingestor, retry)


async def failing_fetch(
    faults: list[Fault], retry, activity_run
) -> tuple[ApplicationError, int, MemoryIngestor]:
    """A fetch that fails under `faults`: its error, the sync calls made, what was stored."""
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA, faults=FaultPlan(faults=faults)) as sb:
        with pytest.raises(ApplicationError) as failed:
            await activity_run(activities(sb, retry, ingestor).fetch, REQUEST)
        calls = sb.hosts["plaid"].requests("/transactions/sync")
    return failed.value, calls, ingestor


def item_key(sb) -> str:
    return PlaidConnector.from_settings(sandbox_settings(sb.env())).config.item_key


async def test_first_sync_brings_every_transaction_and_saves_the_cursor(fast_retry, activity_run):
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        result = await activity_run(activities(sb, fast_retry, ingestor).fetch, REQUEST)
        assert (Source.PLAID, item_key(sb)) in ingestor.cursors
        again = await activity_run(activities(sb, fast_retry, ingestor).fetch, REQUEST)
    assert ingestor.live_ids(PAGE_TYPE) == ALL_IDS
    assert result.pages == 3 and result.records == len(ALL_IDS)  # 500 a page
    assert again.records == 0  # the saved cursor: nothing changed since


def two_accounts():
    """The Item's checking account, and a savings account holding every tenth transaction
    (transfers between the two, say)."""
    txns = [
        {**t, "account_id": SAVINGS} if n % 10 == 0 else t
        for n, t in enumerate(DATA.plaid_transactions)
    ]
    return dataclasses.replace(DATA, plaid_transactions=txns), {
        account: {t["transaction_id"] for t in txns if t["account_id"] == account}
        for account in (CHECKING, SAVINGS)
    }


CHECKING, SAVINGS = "acc_checking_0001", "acc_savings_0002"


async def test_only_the_accounts_named_are_synced_each_on_its_own_cursor(fast_retry, activity_run):
    """`PLAID_ACCOUNT_IDS`: Plaid's `options.account_id`, one stream and one cursor per
    account; the savings account a transfer moves money to stays out of the books' bank."""
    data, ids = two_accounts()
    checking_only, both = MemoryIngestor(), MemoryIngestor()
    async with run_sandbox(data) as sb:
        one = activities(sb, fast_retry, checking_only, plaid_account_ids=[CHECKING]).fetch
        result = await activity_run(one, REQUEST)
        again = await activity_run(one, REQUEST)
        two = activities(sb, fast_retry, both, plaid_account_ids=[CHECKING, SAVINGS]).fetch
        await activity_run(two, REQUEST)
        key = item_key(sb)
    assert checking_only.live_ids(PAGE_TYPE) == ids[CHECKING] and len(ids[SAVINGS]) == 120
    assert result.records == len(ids[CHECKING]) and again.records == 0
    assert set(checking_only.cursors) == {(Source.PLAID, f"{key}:{CHECKING}")}
    assert all(f"account_id={CHECKING} " in p.origin for p in checking_only.pages)
    for page in checking_only.pages:
        assert [a["account_id"] for a in page.json["accounts"]] == [CHECKING]
    assert both.live_ids(PAGE_TYPE) == ALL_IDS
    assert set(both.cursors) == {(Source.PLAID, f"{key}:{a}") for a in (CHECKING, SAVINGS)}


async def test_an_account_the_item_does_not_have_fails_naming_it_after_the_others(
    fast_retry, activity_run
):
    """Plaid's `INVALID_ACCOUNT_ID` (a wrong id, or an account closed at the bank) is not
    retried, and does not hold up the accounts named after it."""
    data, ids = two_accounts()
    ingestor = MemoryIngestor()
    async with run_sandbox(data) as sb:
        named = ["acc_closed_0009", CHECKING]
        fetch = activities(sb, fast_retry, ingestor, plaid_account_ids=named).fetch
        with pytest.raises(ApplicationError) as failed:
            await activity_run(fetch, REQUEST)
        key = item_key(sb)
    assert failed.value.type == "VendorRequestError" and failed.value.non_retryable
    assert failed.value.details[1] == "INVALID_ACCOUNT_ID"
    assert "no account acc_closed_0009 (PLAID_ACCOUNT_IDS)" in str(failed.value)
    assert ingestor.live_ids(PAGE_TYPE) == ids[CHECKING]
    assert set(ingestor.cursors) == {(Source.PLAID, f"{key}:{CHECKING}")}


async def test_naming_accounts_later_still_applies_what_plaid_removed_meanwhile(
    fast_retry, activity_run
):
    """An account's own first sync lists what it holds now and removes nothing; what Plaid
    removed since the Item's last sync comes from the Item's stream, caught up once first."""
    data, ids = two_accounts()
    ingestor = MemoryIngestor()
    async with run_sandbox(data) as sb:
        await activity_run(activities(sb, fast_retry, ingestor).fetch, REQUEST)
        voided = sorted(ids[CHECKING])[3]
        sb.plaid.remove(voided)
        named = activities(sb, fast_retry, ingestor, plaid_account_ids=[CHECKING]).fetch
        await activity_run(named, REQUEST)
        calls = sb.hosts["plaid"].requests("/transactions/sync")
        await activity_run(named, REQUEST)  # every named account has its cursor now
        again = sb.hosts["plaid"].requests("/transactions/sync") - calls
        key = item_key(sb)
    assert voided not in ingestor.live_ids(PAGE_TYPE)
    assert ingestor.live_ids(PAGE_TYPE) == ALL_IDS - {voided}
    assert {k for _, k in ingestor.cursors} == {key, f"{key}:{CHECKING}"}
    assert again == 1  # the account's stream alone


async def test_modified_removed_and_posted_transactions_are_applied(fast_retry, activity_run):
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        fetch = activities(sb, fast_retry, ingestor).fetch
        await activity_run(fetch, REQUEST)
        sb.plaid.modify("txn00005PLAID", name="VENDOR 5 (corrected)", amount=99.5)
        sb.plaid.remove("txn00007PLAID")
        posted = sb.plaid.post_pending("txn00040PLAID", "txn00040POSTED", amount=13.0)
        result = await activity_run(fetch, REQUEST)
    assert result.records == 4  # one modified, one removed, the pending removed, the posted added
    alive = ingestor.live_ids(PAGE_TYPE)
    assert alive == (ALL_IDS - {"txn00007PLAID", "txn00040PLAID"}) | {"txn00040POSTED"}
    last = ingestor.pages[-1].json
    assert [t["name"] for t in last["modified"]] == ["VENDOR 5 (corrected)"]
    assert [t["pending_transaction_id"] for t in last["added"]] == ["txn00040PLAID"]
    assert posted["pending"] is False


async def test_a_mutation_mid_update_restarts_it_and_keeps_no_partial_pages(
    fast_retry, activity_run
):
    clean, mutated = MemoryIngestor(), MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        await activity_run(activities(sb, fast_retry, clean).fetch, REQUEST)
    plan = FaultPlan(faults=[Fault(kind="plaid_mutation", server="plaid", times=1)])
    async with run_sandbox(DATA, faults=plan) as sb:
        result = await activity_run(activities(sb, fast_retry, mutated).fetch, REQUEST)
        assert sb.faults.fired("plaid_mutation") == 1
        assert sb.hosts["plaid"].requests("/transactions/sync") == 3 + 2  # page 2 refused, restart
    assert mutated.live_ids() == clean.live_ids() == ALL_IDS
    assert len(mutated.pages) == len(clean.pages) == result.pages  # the partial page 1 dropped


async def test_the_cursor_is_saved_only_after_the_update_is_stored(fast_retry, activity_run):
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        fetch = activities(sb, fast_retry, ingestor).fetch
        ingestor.fail_after = 1  # the ledger fails storing the second page
        with pytest.raises(RuntimeError):
            await activity_run(fetch, REQUEST)
        assert ingestor.cursors == {}  # not saved: the next run starts over
        ingestor.fail_after = None
        result = await activity_run(fetch, REQUEST)
    assert result.records == len(ALL_IDS)
    assert ingestor.live_ids() == ALL_IDS


async def test_injected_failures_end_with_the_records_of_a_clean_run(fast_retry, activity_run):
    clean, faulty = MemoryIngestor(), MemoryIngestor()
    plan = FaultPlan(  # a 429 on page 1, a reset on page 2, two 500s on page 3
        faults=[
            Fault(kind="rate_limit", server="plaid", times=1, retry_after=0),
            Fault(kind="reset", server="plaid", after=1, times=1),
            Fault(kind="server_error", server="plaid", after=2, times=2),
        ],
    )
    async with run_sandbox(DATA) as sb:
        await activity_run(activities(sb, fast_retry, clean).fetch, REQUEST)
    async with run_sandbox(DATA, faults=plan) as sb:
        await activity_run(activities(sb, fast_retry, faulty).fetch, REQUEST)
        assert sb.faults.fired() == 4
    assert [p.json["added"] for p in faulty.pages] == [p.json["added"] for p in clean.pages]


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"plaid_secret": "wrong-secret"}, "INVALID_API_KEYS"),
        ({"plaid_access_token": "access-sandbox-revoked"}, "INVALID_ACCESS_TOKEN"),
    ],
)
async def test_bad_credentials_fail_at_once_naming_plaids_code(
    fast_retry, activity_run, override, code
):
    async with run_sandbox(DATA) as sb:
        fetch = activities(sb, fast_retry, MemoryIngestor(), **override).fetch
        with pytest.raises(ApplicationError) as failed:
            await activity_run(fetch, REQUEST)
        assert sb.hosts["plaid"].requests("/transactions/sync") == 1
    assert failed.value.type == "VendorAuthError" and failed.value.non_retryable
    assert code in str(failed.value) and failed.value.details[1] == code
    assert "(request_id " in str(failed.value)  # what Plaid's support asks for


async def test_a_failure_after_the_first_page_restarts_the_update_from_its_first_cursor(
    fast_retry, activity_run
):
    """Plaid: "the entire pagination request loop must be restarted beginning with the cursor
    for the first page of the update, rather than retrying only the single request"."""
    clean, failed = MemoryIngestor(), MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        await activity_run(activities(sb, fast_retry, clean).fetch, REQUEST)
    plan = FaultPlan(
        faults=[
            Fault(kind="server_error", server="plaid", path="/transactions/sync", after=1, times=1)
        ]
    )
    async with run_sandbox(DATA, faults=plan) as sb:
        await activity_run(activities(sb, fast_retry, failed).fetch, REQUEST)
        assert sb.faults.fired("server_error") == 1
        assert sb.hosts["plaid"].requests("/transactions/sync") == 1 + 1 + 3  # page 2 failed
    assert failed.live_ids() == clean.live_ids() == ALL_IDS
    assert len(failed.pages) == len(clean.pages) == 3  # the first try's page 1 was dropped


async def test_an_update_that_keeps_changing_gives_up_with_plaids_own_error(
    fast_retry, activity_run
):
    """Every pass meets a mutation on page 2: after MAX_RESTARTS restarts the fetch fails
    (retryably) naming Plaid's code, and nothing of the update is stored."""
    failed, calls, ingestor = await failing_fetch(
        [Fault(kind="plaid_mutation", server="plaid")], fast_retry, activity_run
    )
    assert calls == 2 * (MAX_RESTARTS + 1)  # each pass: page 1, then page 2 refused
    assert failed.type == "VendorUnavailable"
    assert "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION" in str(failed)
    assert ingestor.pages == [] and ingestor.cursors == {}


async def test_a_rate_limit_that_lasts_fails_with_plaids_code_and_retry_after(
    fast_retry, activity_run
):
    """429 from page 2 on: the update restarts, its first page is retried in place until the
    tries run out, and the failure keeps Plaid's code and Retry-After for Temporal."""
    failed, calls, ingestor = await failing_fetch(
        [Fault(kind="rate_limit", server="plaid", path="/transactions/sync", after=1)],
        fast_retry,
        activity_run,
    )
    assert calls == 2 + fast_retry.attempts
    assert "TRANSACTIONS_SYNC_LIMIT" in str(failed)  # Plaid's own code
    assert failed.next_retry_delay is not None  # and its Retry-After
    assert ingestor.pages == []


async def test_a_page_that_stays_malformed_is_kept_and_none_of_its_update_is(
    fast_retry, activity_run
):
    """Every answer after the first comes cut short: page 2 restarts the update, whose first
    page is then tried in place until the tries run out. The fetch fails naming the request,
    the last body received is kept with its problem, and no page of the update (nor its
    cursor) is stored, so the next fetch brings the whole update again."""
    failed, calls, ingestor = await failing_fetch(
        [Fault(kind="malformed", server="plaid", path="/transactions/sync", after=1)],
        fast_retry,
        activity_run,
    )
    assert calls == 2 + fast_retry.attempts
    assert failed.type == "VendorUnavailable" and "MALFORMED_BODY" in str(failed)
    [kept] = ingestor.pages
    assert kept.body == b'{"data": [{"id": "trunc' and kept.page_type == PAGE_TYPE
    assert kept.problem is not None and kept.origin in kept.problem
    assert kept.origin == "POST /transactions/sync cursor="  # the update's first page
    assert kept.origin in str(failed)
    assert ingestor.live_ids() == set() and ingestor.cursors == {}


async def test_a_mid_update_page_malformed_on_every_pass_is_the_one_kept(fast_retry, activity_run):
    """Page 2 comes cut short on every pass: each restarts the update, and when the restarts
    run out that page (at page 1's cursor) is kept, and nothing of the update is stored."""
    clean = MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        await activity_run(activities(sb, fast_retry, clean).fetch, REQUEST)
    second_cursor = clean.pages[0].json["next_cursor"]
    every_page_2 = [  # requests 2, 4, 6 …: a fault sees only those the ones before it let by
        Fault(kind="malformed", server="plaid", after=n + 1, times=1)
        for n in range(MAX_RESTARTS + 1)
    ]
    failed, calls, ingestor = await failing_fetch(every_page_2, fast_retry, activity_run)
    assert "MALFORMED_BODY" in str(failed)
    assert calls == 2 * (MAX_RESTARTS + 1)
    [kept] = ingestor.pages
    assert kept.origin == f"POST /transactions/sync cursor={second_cursor}"
    assert kept.problem is not None and ingestor.live_ids() == set() and not ingestor.cursors


async def test_an_item_plaid_has_not_pulled_yet_is_not_fetched_as_empty(fast_retry, activity_run):
    """Before its first pull Plaid answers NOT_READY with empty lists and an empty cursor:
    that is not the bank saying "no transactions". The fetch fails, retryably (the run then
    counts the bank as unavailable instead of flagging every deposit missing), nothing is
    stored and no cursor saved; once Plaid has pulled, the next fetch brings everything."""
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        sb.plaid.update_status = "NOT_READY"
        with pytest.raises(ApplicationError) as failed:
            await activity_run(activities(sb, fast_retry, ingestor).fetch, REQUEST)
        assert not failed.value.non_retryable and "NOT_READY" in str(failed.value)
        assert ingestor.pages == [] and ingestor.cursors == {}
        sb.plaid.update_status = "HISTORICAL_UPDATE_COMPLETE"
        result = await activity_run(activities(sb, fast_retry, ingestor).fetch, REQUEST)
    assert result.records == len(ALL_IDS) and ingestor.live_ids(PAGE_TYPE) == ALL_IDS


async def test_an_item_with_only_its_recent_history_pulled_is_named_in_the_warnings(
    fast_retry, activity_run
):
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        sb.plaid.update_status = "INITIAL_UPDATE_COMPLETE"
        result = await activity_run(activities(sb, fast_retry, ingestor).fetch, REQUEST)
    assert result.records == len(ALL_IDS)
    assert [w for w in result.warnings if "INITIAL_UPDATE_COMPLETE" in w]
    [partial] = ingestor.incomplete  # the batch says its bank lines are not all there yet
    assert "INITIAL_UPDATE_COMPLETE" in partial


async def test_the_banks_own_description_is_asked_for_and_kept(fast_retry, activity_run):
    """`original_description` (where a deposit's invoice numbers are) comes only when the
    request asks for it; Plaid sends null otherwise."""
    data = plaid_transactions(count=3)
    data.plaid_transactions[0]["original_description"] = "ACH CREDIT ACME CO INV-1041 INV-1042"
    ingestor = MemoryIngestor()
    async with run_sandbox(data) as sb:
        await activity_run(activities(sb, fast_retry, ingestor).fetch, REQUEST)
    [page] = ingestor.pages
    described = {t["transaction_id"]: t.get("original_description") for t in page.json["added"]}
    assert described[data.plaid_transactions[0]["transaction_id"]] == (
        "ACH CREDIT ACME CO INV-1041 INV-1042"
    )


@pytest.mark.parametrize("broken", [{"added": None}, {"removed": {}}, {"modified": "[]"}])
async def test_an_answer_without_its_three_lists_is_malformed_not_empty(broken):
    """Read as empty, its update's cursor would be saved and its records never asked for
    again; malformed, it is retried and, if it stays so, kept and the cursor left alone."""
    body = {"added": [], "modified": [], "removed": [], "next_cursor": "c1", "has_more": False}

    class OneAnswer:  # plaid-python's undecoded response, for this one function
        def transactions_sync(self, request, _preload_content):
            return SimpleNamespace(status=200, headers={}, data=json.dumps(body | broken).encode())

    config = PlaidConfig(host="http://plaid.invalid", client_id="c", secret="s", access_token="t")
    with pytest.raises(MalformedPage, match=f"no {next(iter(broken))} \\(list\\)"):
        await PlaidConnector(config, api=OneAnswer()).sync_page(None)  # type: ignore[arg-type]
