"""The rules file: validated with errors naming rule and key, and applied to the window."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine import EngineConfig, build_frames, compare, match
from engine.rules import load_rules
from models.errors import ConfigurationError
from models.results import DiscrepancyField
from tests.engine.builders import OCT, at, bill, bill_payment, vendor

EXAMPLE = Path(__file__).parents[2] / "engine" / "rules.example.yaml"


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return path


def test_the_example_file_loads():
    rules = load_rules(EXAMPLE)
    assert rules.rules[0].name == "new_vendor_large_payment"
    assert rules.rules[0].approvers == ["cfo"]


def test_an_unknown_key_names_the_rule_and_the_key(tmp_path):
    path = _write(
        tmp_path,
        "rules:\n  - name: big\n    when: {kind: bill_payment, amount_ovr: '10'}\n    severity: high\n",
    )
    with pytest.raises(ConfigurationError, match=r"rule 'big'.*when\.amount_ovr"):
        load_rules(path)


def test_a_bad_severity_a_float_amount_and_a_bad_regex_are_refused(tmp_path):
    cases = {
        "severity: urgent": r"rule 'r'.*key 'severity'",
        "severity: high\n    when: {kind: bill, amount_over: 10.5}": r"amount_over.*not a float",
        "severity: high\n    when: {kind: bill, name_matches: '('}": r"name_matches.*regular expression",
    }
    for body, message in cases.items():
        when = "" if "when" in body else "\n    when: {kind: bill}"
        path = _write(tmp_path, f"rules:\n  - name: r{when}\n    {body}\n")
        with pytest.raises(ConfigurationError, match=message):
            load_rules(path)


def test_top_level_mistakes_are_named(tmp_path):
    with pytest.raises(ConfigurationError, match="severities: unknown field 'totl'"):
        load_rules(_write(tmp_path, "severities: {totl: high}\n"))
    with pytest.raises(ConfigurationError, match=r"authority\.total"):
        load_rules(_write(tmp_path, "authority: {total: the_bank}\n"))
    with pytest.raises(ConfigurationError, match="not valid YAML"):
        load_rules(_write(tmp_path, "rules: [\n"))


class _Settings:
    timing_grace = timedelta(days=3)
    payout_arrival_window = timedelta(days=3)
    severities = {"status": "low"}
    rules_file = EXAMPLE


def test_a_payment_over_1000_to_a_new_vendor_needs_the_cfo():
    config = EngineConfig.from_settings(_Settings())
    assert config.severity("status") == "medium"  # the file overrides the settings
    records = [
        vendor("V1", "Oak Supply Co", created=at(1)),
        vendor("V2", "Old Mill", created=at(1) - timedelta(days=400)),
        bill_payment("BP1", "1500.00", 10, vendor_id="V1"),
        bill_payment("BP2", "900.00", 10, vendor_id="V1"),
        bill_payment("BP3", "1500.00", 10, vendor_id="V2", vendor_name="Old Mill"),
        bill("B9", "10.00", 1, vendor_id="V2", vendor_name="Old Mill"),
    ]
    frames = build_frames(records)
    found = compare(frames, match(frames, OCT, config, {}), OCT, config)
    [hit] = [d for d in found if d.field == DiscrepancyField.RULE]
    assert hit.records[0].id == "BP1"
    assert (hit.severity.value, hit.approvers, hit.rule) == (
        "high",
        ["cfo"],
        "new_vendor_large_payment",
    )
    assert "first seen 9 day(s) before" in hit.explanation


def test_a_first_seen_condition_on_a_record_without_a_party_is_refused(tmp_path):
    path = _write(
        tmp_path,
        "rules:\n  - name: w\n    when: {kind: withdrawal, vendor_first_seen_within_days: 30}\n"
        "    severity: high\n",
    )
    with pytest.raises(
        ConfigurationError, match=r"rule 'w'.*vendor_first_seen_within_days needs kind"
    ):
        load_rules(path)
