"""Normalizing and comparing the identifying text of people and companies.

Emails compare case-insensitively; phones by their last ten digits; names after folding case,
accents, punctuation, honorifics, "Last, First" order and company suffixes. A bank's payer line
("ACH CREDIT ACME WHLSL SUPPLY PPD") is compared with `payer_similarity`, which forgives upper
case, bank noise words and abbreviations.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"\D+")
HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam"}
COMPANY_SUFFIXES = {
    "llc",
    "inc",
    "co",
    "corp",
    "corporation",
    "ltd",
    "limited",
    "company",
    "lp",
    "llp",
    "plc",
    "the",
}
BANK_NOISE = {
    "ach",
    "credit",
    "debit",
    "deposit",
    "dep",
    "ppd",
    "ccd",
    "web",
    "tel",
    "orig",
    "co",
    "name",
    "id",
    "from",
    "to",
    "payment",
    "pmt",
    "pymt",
    "transfer",
    "xfer",
    "trn",
    "ref",
    "wire",
    "in",
    "incoming",
    "online",
    "mobile",
    "remote",
    "check",
    "chk",
    "des",
    "indn",
    "entry",
    "descr",
    "bill",
    "invoice",
    "inv",
    "invoices",
    "for",
    "paid",
    "pay",
    "and",
    "of",
}


def normalize_email(raw: str | None) -> str:
    return (raw or "").strip().lower()


def normalize_phone(raw: str | None) -> str:
    """The last ten digits, or "" when there are fewer than ten."""
    digits = _NOT_DIGIT.sub("", raw or "")
    return digits[-10:] if len(digits) >= 10 else ""


def fold(text: str | None) -> str:
    plain = (text or "").lower()
    if not plain.isascii():
        decomposed = unicodedata.normalize("NFKD", plain)
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", plain)).strip()


def normalize_name(raw: str | None) -> str:
    """'Smith, Dr. Jonathan' → 'jonathan smith'."""
    text = raw or ""
    if text.count(",") == 1:
        last, first = text.split(",")
        if first.strip() and last.strip() and " " not in last.strip():
            text = f"{first} {last}"
    tokens = [t for t in fold(text).split() if t not in HONORIFICS]
    return " ".join(tokens)


def normalize_company(raw: str | None) -> str:
    return " ".join(t for t in fold(raw).split() if t not in COMPANY_SUFFIXES)


def name_similarity(a: str, b: str) -> float:
    """0..1 for two normalized names; an initial stands for a first name ('j smith' ~ 'john smith')."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    score = fuzz.token_sort_ratio(a, b) / 100
    ta, tb = a.split(), b.split()
    if len(ta) >= 2 and len(tb) >= 2 and ta[-1] == tb[-1] and ta[0][0] == tb[0][0]:
        if min(len(ta[0]), len(tb[0])) == 1 or ta[0].startswith(tb[0]) or tb[0].startswith(ta[0]):
            score = max(score, 0.9)
    return score


def first_names_differ(a: str, b: str) -> bool:
    """Two normalized personal names whose first names are different people's
    ('maria garcia' / 'pedro garcia'); an initial or a shortening ('j', 'jon') does not differ."""
    ta, tb = a.split(), b.split()
    if len(ta) < 2 or len(tb) < 2:
        return False
    x, y = ta[0], tb[0]
    return not (x == y or x.startswith(y) or y.startswith(x))


def _abbreviates(short: str, full: str) -> bool:
    """'whlsl' abbreviates 'wholesale': same first letter, letters in order."""
    if not short or not full or short[0] != full[0] or len(short) > len(full):
        return False
    position = 0
    for ch in short:
        position = full.find(ch, position)
        if position < 0:
            return False
        position += 1
    return True


def payer_tokens(text: str) -> list[str]:
    return [t for t in fold(text).split() if t not in BANK_NOISE and not t.isdigit()]


def payer_similarity(payer: str, name: str) -> float:
    """How well a bank's payer text names a customer or vendor (0..1).

    Every token of the (company-suffix-free) name must be found in the payer text, spelled out
    or abbreviated; the score is the share of the name's tokens found, checked also with
    rapidfuzz's token-set ratio for misspellings.
    """
    wanted = normalize_company(name).split()
    have = payer_tokens(payer)
    if not wanted or not have:
        return 0.0
    found = sum(1 for w in wanted if any(h == w or _abbreviates(h, w) for h in have))
    coverage = found / len(wanted)
    fuzzy = fuzz.token_set_ratio(" ".join(wanted), " ".join(have)) / 100
    return max(coverage if found else 0.0, fuzzy)
