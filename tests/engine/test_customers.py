"""Entity resolution: who is the same customer across Shopify, Stripe and QuickBooks."""

from __future__ import annotations

import pandas as pd

from engine import EngineConfig, build_frames
from engine.config import CustomerWeights
from engine.customers import candidate_pairs, resolve_customers
from engine.names import name_similarity, normalize_name, normalize_phone, payer_similarity
from tests.engine.builders import charge, customer


def _clusters(records, identity=None, weights=None):
    people = resolve_customers(build_frames(records), weights or CustomerWeights(), identity or {})
    return people, {frozenset(r.key for r in c.members) for c in people.clusters}


def test_three_spellings_across_three_systems_are_one_customer():
    records = [
        customer("shopify", "s1", "Jonathan Smith", "JSmith@Example.com", "+1 (415) 555-0101"),
        customer("quickbooks", "q1", "Smith, Jon", "jsmith@example.com ", "415.555.0101"),
        charge("ch1", "10.00", email="jsmith@example.com", name="JON SMITH"),
    ]
    people, clusters = _clusters(records)
    assert len(clusters) == 1
    assert "linked at score" in people.clusters[0].explanation


def test_two_people_sharing_a_mailbox_stay_two():
    records = [
        customer("shopify", "s1", "Maria Garcia", "family@example.com"),
        customer("shopify", "s2", "Pedro Garcia", "family@example.com"),
    ]
    assert len(_clusters(records)[1]) == 2


def test_shared_mailbox_and_phone_do_not_merge_two_different_names():
    """Email + phone reach 0.8 on their own; the guard still keeps two named people apart."""
    records = [
        customer("shopify", "s1", "Maria Garcia", "family@example.com", "4155550101"),
        customer("quickbooks", "q1", "Pedro Alvarez", "family@example.com", "4155550101"),
    ]
    assert len(_clusters(records)[1]) == 2


def test_same_email_and_same_name_merge_but_a_shared_phone_alone_does_not():
    same_email = [
        customer("shopify", "s1", "Ann Lee", "ann@example.com"),
        customer("quickbooks", "q1", "Ann Lee", "ANN@example.com"),
    ]
    assert len(_clusters(same_email)[1]) == 1
    same_phone = [
        customer("shopify", "s1", "Ann Lee", "ann@a.com", "4155550101"),
        customer("quickbooks", "q1", "Ann Lee", "ann@b.com", "14155550101"),
    ]
    assert len(_clusters(same_phone)[1]) == 2


def test_weights_and_threshold_are_configurable():
    records = [
        customer("shopify", "s1", "Ann Lee", "ann@a.com", "4155550101"),
        customer("quickbooks", "q1", "Ann Lee", "ann@b.com", "4155550101"),
    ]
    loose = CustomerWeights(phone=0.6, threshold=0.7)
    assert len(_clusters(records, weights=loose)[1]) == 1


def test_canonical_id_is_kept_when_a_new_record_joins():
    first = [customer("shopify", "s9", "Ann Lee", "ann@example.com")]
    people, _ = _clusters(first)
    identity = {"shopify:customer:s9": people.clusters[0].canonical_id}
    later = [*first, customer("quickbooks", "a0", "Ann Lee", "ann@example.com")]
    again, clusters = _clusters(later, identity)
    assert len(clusters) == 1
    assert again.clusters[0].canonical_id == identity["shopify:customer:s9"]


def test_a_merge_of_two_known_customers_keeps_one_of_their_ids_and_does_not_reuse_it():
    identity = {"shopify:customer:s1": "cust_b", "quickbooks:Customer:q1": "cust_a"}
    records = [
        customer("shopify", "s1", "Ann Lee", "ann@example.com"),
        customer("quickbooks", "q1", "Ann Lee", "ann@example.com"),
        customer("shopify", "s2", "Bob Stone", "bob@example.com"),
    ]
    people, _ = _clusters(records, identity)
    ids = sorted(c.canonical_id for c in people.clusters)
    assert "cust_a" in ids and "cust_b" not in ids and len(set(ids)) == 2


def test_blocking_compares_only_records_that_share_a_key():
    unique = pd.DataFrame(
        {
            "email": [f"p{i}@x.com" for i in range(2000)],
            "phone": [""] * 2000,
            "name": ["ann lee"] * 2000,
        }
    )
    assert len(candidate_pairs(unique, CustomerWeights())) == 0
    unique.loc[5, "email"] = "p4@x.com"
    assert len(candidate_pairs(unique, CustomerWeights())) == 1


def test_normalizers_of_names_phones_and_payers():
    assert normalize_name("Smith, Dr. Jonathan") == "jonathan smith"
    assert normalize_phone("+1 (415) 555-0101") == "4155550101"
    assert normalize_phone("555-0101") == ""
    assert name_similarity("j smith", "john smith") >= 0.9
    assert name_similarity("maria garcia", "pedro alvarez") < 0.5
    assert payer_similarity("ACH CREDIT ACME WHLSL SUPPLY PPD", "Acme Wholesale Supply LLC") == 1.0
    assert payer_similarity("ACH CREDIT BIRCH HOME", "Acme Wholesale Supply LLC") < 0.8


def test_engine_config_default_weights_are_the_issues():
    weights = EngineConfig().customers
    assert (weights.email, weights.phone, weights.name, weights.threshold) == (0.5, 0.3, 0.2, 0.7)
