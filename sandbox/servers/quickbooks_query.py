"""The subset of QuickBooks Online's SQL-like query language that Accord uses.

    SELECT * [, Field ...] | COUNT(*) | Field, Field FROM <Entity>
      [WHERE <path> <op> <value> [AND ...]]      op: = != < > <= >= IN (...) LIKE '%x%'
      [ORDERBY <path> [ASC|DESC] [, ...]] [STARTPOSITION n] [MAXRESULTS m]

Paths may be dotted (`MetaData.LastUpdatedTime`); a reference field (`CustomerRef`) compares
by its `value`. Date-times with offsets compare as instants. Keywords are case-insensitive; the
entity name must be a QBO entity (else QBO's "invalid context declaration"). As QBO does,
name-list entities that have `Active` hide inactive rows unless the query mentions `Active`,
and `SELECT *` leaves out the fields QBO gives only when named (an Item's `Sku`: `SELECT *, Sku`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_RESULTS = 1000
DEFAULT_MAX_RESULTS = 100

TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<number>-?\d+(?:\.\d+)?(?![\w.]))|(?P<op><=|>=|!=|=|<|>)"
    r"|(?P<punct>[(),*])|(?P<word>[A-Za-z_][\w.]*))",
)


class QueryError(ValueError):
    """A query QBO would refuse; `detail` is the text QBO puts in the fault's Detail."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass
class Condition:
    path: str
    op: str
    value: Any  # a literal, or a list of literals for IN


@dataclass
class Query:
    entity: str
    count: bool = False
    fields: list[str] | None = None  # None = *
    named: list[str] = field(default_factory=list)  # named beside * (`SELECT *, Sku`)
    where: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (path, descending)
    start: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    text = text.strip()
    while at < len(text):
        match = TOKEN.match(text, at)
        if not match or match.end() == at:
            raise QueryError(
                f'QueryParserError: Encountered " {text[at : at + 10]!r} " at column {at + 1}.'
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        at = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, entities: set[str]) -> None:
        self.tokens = tokenize(text)
        self.at = 0
        self.entities = {e.lower(): e for e in entities}

    def peek(self) -> str:
        return self.tokens[self.at][1].upper() if self.at < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise QueryError(
                f'QueryParserError: Encountered "<EOF>"{f", expected {expected}" if expected else ""}'
            )
        token = self.tokens[self.at]
        if expected and token[1].upper() != expected:
            raise QueryError(f'QueryParserError: Encountered "{token[1]}", expected "{expected}"')
        self.at += 1
        return token

    def parse(self) -> Query:
        self.take("SELECT")
        count, fields, named = self._projection()
        self.take("FROM")
        name = self.take()[1]
        if name.lower() not in self.entities:
            raise QueryError(f"QueryValidationError: invalid context declaration: {name}")
        query = Query(self.entities[name.lower()], count=count, fields=fields, named=named)
        if self.peek() == "WHERE":
            self.take()
            query.where = self._conditions()
        self._tail(query)
        return query

    def _projection(self) -> tuple[bool, list[str] | None, list[str]]:
        """(count, the fields chosen or None for *, fields named beside *)."""
        if self.peek() == "COUNT":
            for part in ("COUNT", "(", "*", ")"):
                self.take(part)
            return True, None, []
        star = self.peek() == "*"
        fields = [] if star else [self.take()[1]]
        if star:
            self.take()
        while self.peek() == ",":
            self.take()
            fields.append(self.take()[1])
        return (False, None, fields) if star else (False, fields, [])

    def _conditions(self) -> list[Condition]:
        conditions = [self._condition()]
        while self.peek() == "AND":
            self.take()
            conditions.append(self._condition())
        return conditions

    def _condition(self) -> Condition:
        kind, path = self.take()
        if kind != "word":
            raise QueryError(f'QueryParserError: Encountered "{path}", expected a property name')
        op = self.take()[1].upper()
        if op == "IN":
            self.take("(")
            values = [self._literal()]
            while self.peek() == ",":
                self.take()
                values.append(self._literal())
            self.take(")")
            return Condition(path, "IN", values)
        if op not in ("=", "!=", "<", ">", "<=", ">=", "LIKE"):
            raise QueryError(f'QueryParserError: Encountered "{op}", expected an operator')
        return Condition(path, op, self._literal())

    def _literal(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace("\\'", "'")
        if kind == "number":
            return Decimal(text)
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise QueryError(f'QueryParserError: Encountered "{text}", expected a value')

    def _tail(self, query: Query) -> None:
        while self.at < len(self.tokens):
            word = self.take()[1].upper()
            if word == "ORDERBY":
                query.order = self._order()
            elif word in ("STARTPOSITION", "MAXRESULTS"):
                kind, number = self.take()
                if kind != "number" or not number.isdigit() or int(number) < 1:
                    raise QueryError(f"QueryValidationError: {word} must be a positive integer")
                if word == "STARTPOSITION":
                    query.start = int(number)
                else:
                    query.max_results = min(int(number), MAX_RESULTS)
            else:
                raise QueryError(f'QueryParserError: Encountered "{word}"')

    def _order(self) -> list[tuple[str, bool]]:
        order = []
        while True:
            path = self.take()[1]
            descending = False
            if self.peek() in ("ASC", "DESC"):
                descending = self.take()[1].upper() == "DESC"
            order.append((path, descending))
            if self.peek() != ",":
                return order
            self.take()


def parse(text: str, entities: set[str]) -> Query:
    return _Parser(text, entities).parse()


def lookup(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def comparable(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = str(value)
    if "T" in text and len(text) >= 19:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if parsed.tzinfo is not None:
                return parsed
        except ValueError:
            pass
    try:
        return Decimal(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else text
    except InvalidOperation:
        return text


def holds(record: dict[str, Any], cond: Condition) -> bool:
    left = lookup(record, cond.path)
    if cond.op == "IN":
        return any(_compare(left, "=", v) for v in cond.value)
    if cond.op == "LIKE":
        pattern = "^" + re.escape(str(cond.value)).replace("%", ".*") + "$"
        return left is not None and re.match(pattern, str(left), re.IGNORECASE) is not None
    return _compare(left, cond.op, cond.value)


def _compare(left: Any, op: str, right: Any) -> bool:
    a, b = comparable(left), comparable(right)
    if a is None or type(a) is not type(b):
        if isinstance(a, datetime) or isinstance(b, datetime):
            a, b = str(left), str(right)  # a date against a date-time: compare as text
        elif op == "!=":
            return a != b
        else:
            a, b = str(left), str(right)
    return {"=": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def run(query: Query, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every matching record, ordered (default: numeric Id), before STARTPOSITION/MAXRESULTS."""
    mentions_active = any(c.path == "Active" for c in query.where)
    rows = [
        r
        for r in records
        if all(holds(r, c) for c in query.where)
        and (mentions_active or r.get("Active", True) is not False)
    ]
    rows.sort(key=lambda r: int(r["Id"]))
    for path, descending in reversed(query.order):
        rows.sort(key=_key_at(path), reverse=descending)
    return rows


def _key_at(path: str) -> Callable[[dict[str, Any]], tuple]:
    return lambda record: _sort_key(lookup(record, path))


def _sort_key(value: Any) -> tuple:
    key = comparable(value)
    return (key is None, str(type(key)), key if key is not None else 0)
