"""Retail buyers, each spelled the way each system happens to spell them.

Variations are realistic but never ambiguous: whenever a name differs between systems the email and
phone agree, and where a phone is missing the name is the same, so resolution has one right answer.
Two planted people: one customer under three spellings, and two people sharing one mailbox.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sandbox.generator.business import Person
from sandbox.generator.ids import Ids

FIRST = (
    "Avery Blake Camila Dmitri Elena Farah Gavin Hana Isaac Jonah Kira Luis Mara Nina Omar Priyanka "
    "Quinn Rosa Soren Tessa Umar Vera Wes Ximena Yusuf Zoe Adele Bruno Cora Dario Esme Felix Greta "
    "Hugo Ines Jasper Kofi Leah Milo Nadia Oscar Petra Rafael Sadie Theo Uma Viktor Willa"
).split()
LAST = (
    "Abbott Brennan Castillo Delgado Ellison Fischer Garner Hayes Ibarra Jensen Kowalski Lindqvist "
    "Moreau Nakamura Okafor Pruitt Quintero Rasmussen Salazar Thornton Underwood Vasquez Whitaker "
    "Yamamoto Zielinski Albright Bishop Carver Dunleavy Esposito Fairbanks Grayson Holloway Iverson "
    "Jennings Kincaid Lachance Marchetti Norberg Osei Pemberton Rhodes Sinclair Tanaka Valdez Winslow"
).split()
MAIL = ("gmail.com", "outlook.com", "icloud.com", "yahoo.com", "fastmail.com", "proton.me")


def _phone(rng: random.Random) -> str:
    return f"+1{rng.choice(['212', '347', '646', '718', '917', '201', '973'])}{rng.randrange(2_000_000, 9_999_999)}"


def _person(
    ids: Ids, rng: random.Random, first: str, last: str, email: str, since: datetime
) -> Person:
    created = since - timedelta(days=rng.randrange(20, 700), minutes=rng.randrange(600))
    phone = _phone(rng)
    person = Person(first, last, email, phone, ids.shopify(), created)
    person.qbo_id = ids.qbo_name()
    person.qbo_name, person.qbo_phone, person.stripe_name = person.name, phone, person.name
    return person


def _vary(person: Person, rng: random.Random) -> None:
    """How the bookkeeper and the card form spelled this buyer."""
    roll = rng.random()
    if roll < 0.15:
        person.qbo_name = person.name.upper()
    elif roll < 0.30:
        person.qbo_name = f"{person.first[0]}. {person.last}"
    elif roll < 0.40:
        person.qbo_phone = None  # name identical, phone never typed in
    if rng.random() < 0.2:
        person.stripe_name = person.name.lower()


def retail_people(ids: Ids, rng: random.Random, count: int, since: datetime) -> list[Person]:
    """`count` distinct buyers (distinct names and emails), with the planted ones first."""
    people = [_three_spellings(ids, rng, since), *_shared_mailbox(ids, rng, since)]
    names = [(f, last) for f in FIRST for last in LAST]
    rng.shuffle(names)
    for first, last in names[: max(0, count - len(people))]:
        handle = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{last[:3]}"]).lower()
        email = f"{handle}{rng.randrange(10, 99)}@{rng.choice(MAIL)}"
        person = _person(ids, rng, first, last, email, since)
        _vary(person, rng)
        people.append(person)
    return people


def _three_spellings(ids: Ids, rng: random.Random, since: datetime) -> Person:
    person = _person(ids, rng, "Margaret", "O'Neill", "maggie.oneill@gmail.com", since)
    person.stripe_name = "MARGARET ONEILL"
    person.qbo_name = "M. O'Neill"
    return person


def _shared_mailbox(ids: Ids, rng: random.Random, since: datetime) -> list[Person]:
    return [
        _person(ids, rng, "Samir", "Patel", "thepatelhome@outlook.com", since),
        _person(ids, rng, "Leela", "Patel", "thepatelhome@outlook.com", since),
    ]
