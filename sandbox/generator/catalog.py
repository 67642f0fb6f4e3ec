"""What the shop sells, and how a cart is priced (tax rounded half-up to the cent, as Shopify does)."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from sandbox.generator.business import CENT, TAX_RATE, Line

PRODUCTS: list[tuple[str, str, Decimal]] = [
    (sku, title, Decimal(price))
    for sku, title, price in (
        ("JO-MUG-STN", "Stoneware Mug - Sand", "24.00"),
        ("JO-MUG-SLT", "Stoneware Mug - Slate", "24.00"),
        ("JO-BWL-LG", "Serving Bowl - Large", "68.00"),
        ("JO-CBD-WAL", "Walnut Cutting Board", "86.00"),
        ("JO-CBD-OAK", "Oak Cutting Board", "72.00"),
        ("JO-CND-CED", "Cedar & Smoke Candle", "32.00"),
        ("JO-CND-FIG", "Fig Leaf Candle", "32.00"),
        ("JO-THR-WOL", "Wool Throw Blanket", "148.00"),
        ("JO-LMP-BRS", "Brass Table Lamp", "240.00"),
        ("JO-TWL-LIN", "Linen Tea Towels (set of 2)", "28.00"),
        ("JO-SPN-OLV", "Olivewood Spoon", "18.00"),
        ("JO-VAS-BUD", "Bud Vase", "38.00"),
        ("JO-PLT-DIN", "Dinner Plate", "34.00"),
        ("JO-TRY-WAL", "Walnut Serving Tray", "112.00"),
        ("JO-BSK-WIL", "Willow Market Basket", "64.00"),
    )
]


def tax_on(subtotal: Decimal) -> Decimal:
    return (subtotal * TAX_RATE).quantize(CENT, rounding=ROUND_HALF_UP)


def random_cart(rng: random.Random) -> list[Line]:
    count = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
    return [
        Line(sku, title, price, rng.choices([1, 2], weights=[5, 1])[0])
        for sku, title, price in rng.sample(PRODUCTS, k=count)
    ]


def planted_cart(total: Decimal) -> list[Line]:
    """One line whose price plus tax is exactly `total` (for a scenario needing a given total)."""
    price = (total / (1 + TAX_RATE)).quantize(CENT)
    for step in (Decimal(0), CENT, -CENT, 2 * CENT, -2 * CENT):
        candidate = price + step
        if candidate + tax_on(candidate) == total:
            return [Line("JO-GFT-BOX", "Curated Gift Box", candidate, 1)]
    raise ValueError(f"no single price gives a total of {total}")
