"""JSON with exact decimals, the one way Accord reads and writes it (ledger and normalizers).

msgspec's strict parser: every number with a fraction or exponent becomes an exact `Decimal`
(never a float), integers of any size stay `int`, and what JSON does not allow is refused:
`NaN`/`Infinity`, invalid UTF-8, lone surrogates, trailing garbage (`msgspec.DecodeError`).
Written with keys sorted, so equal content gives equal bytes (content hashes), and each
`Decimal` as the exact number literal it holds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

DecodeError = msgspec.DecodeError

_ENCODER = msgspec.json.Encoder(decimal_format="number", order="sorted")
_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def decode(data: bytes | str) -> Any:
    return _DECODER.decode(data)


def encode(value: Any) -> bytes:
    """Compact JSON bytes with sorted keys and exact decimals."""
    return _ENCODER.encode(value)
