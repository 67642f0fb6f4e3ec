"""Money: `Decimal` quantized to the currency's ISO 4217 exponent, never float.

>>> quantize(Decimal("59.899"), "USD")
Decimal('59.90')
>>> from_minor_units(5989, "usd")
Decimal('59.89')
>>> from_minor_units(1200, "JPY")
Decimal('1200')
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from models.errors import InputError

# Active ISO 4217 codes (2024 list). Exponent 2 unless listed in the exceptions below.
_ISO_4217 = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN
NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK
SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UYW
UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
""".split()

_EXPONENT_EXCEPTIONS = {
    # ISO 4217 exponent 0
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    # ISO 4217 exponent 3
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    "CLF": 4,
    "UYW": 4,
}

CURRENCY_EXPONENTS: dict[str, int] = {code: _EXPONENT_EXCEPTIONS.get(code, 2) for code in _ISO_4217}
# The smallest unit of each currency as a Decimal exponent template (USD → Decimal("0.01")).
_QUANTA: dict[str, Decimal] = {
    code: Decimal(1).scaleb(-e) for code, e in CURRENCY_EXPONENTS.items()
}

# Stripe expresses amounts in the smallest unit, except for these zero-decimal currencies where
# the amount is the whole unit (https://docs.stripe.com/currencies#zero-decimal). For ISK and UGX
# Stripe keeps a two-decimal minor unit in the API for backwards compatibility, in multiples of 100.
STRIPE_ZERO_DECIMAL = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF".split()
)
STRIPE_SPECIAL_TWO_DECIMAL = frozenset({"ISK", "UGX"})


def currency_code(raw: object, *, where: str = "") -> str:
    """The upper-case ISO 4217 code, or an `InputError` naming the bad value and where it was."""
    if type(raw) is str and raw in CURRENCY_EXPONENTS:  # already canonical: the common case
        return raw
    code = str(raw or "").strip().upper()
    if code not in CURRENCY_EXPONENTS:
        raise InputError(f"unknown currency {raw!r}", where=where)
    return code


def exponent(currency: str) -> int:
    return CURRENCY_EXPONENTS[currency_code(currency)]


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half-even to the currency's exponent (banker's rounding, as ledgers do)."""
    quantum = _QUANTA.get(currency) or _QUANTA[currency_code(currency)]
    return amount.quantize(quantum, rounding=ROUND_HALF_EVEN)


def parse_amount(raw: object, currency: str, *, where: str = "") -> Decimal:
    """A vendor's decimal amount (string or exact JSON number) as quantized `Decimal`.

    Floats are refused: by the time a float exists, precision may already be lost.
    """
    if raw is None or isinstance(raw, bool | float):
        raise InputError(f"amount {raw!r} is not an exact decimal", where=where)
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw))  # Decimal trims spaces
    except InvalidOperation:
        raise InputError(f"amount {raw!r} does not parse as a number", where=where) from None
    if not value.is_finite():
        raise InputError(f"amount {raw!r} is not finite", where=where)
    return quantize(value, currency)


_STRIPE_EXPONENTS: dict[str, int] = {
    code: 0 if code in STRIPE_ZERO_DECIMAL else 2 if code in STRIPE_SPECIAL_TWO_DECIMAL else e
    for code, e in CURRENCY_EXPONENTS.items()
}


def stripe_minor_unit_exponent(currency: str) -> int:
    return _STRIPE_EXPONENTS[currency_code(currency)]


def from_minor_units(raw: object, currency: str, *, where: str = "") -> Decimal:
    """Stripe-style integer minor units → `Decimal` in the currency's major unit."""
    if type(raw) is not int:  # bool is an int subclass, and not an amount
        raise InputError(f"minor-unit amount {raw!r} is not an integer", where=where)
    return quantize(Decimal(raw).scaleb(-stripe_minor_unit_exponent(currency)), currency)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Inverse of `from_minor_units`, for writes to Stripe-style APIs and the sandbox."""
    return int(amount.scaleb(stripe_minor_unit_exponent(currency)).to_integral_value())
