"""The report file: a JSON contract other tools read. Extend only by adding keys."""

from __future__ import annotations

from pydantic import BaseModel, Field

from models.records import SourceRef


class ReportRecord(BaseModel):
    source: str
    type: str
    id: str

    @classmethod
    def of(cls, ref: SourceRef) -> ReportRecord:
        return cls(source=ref.source.value, type=ref.type, id=ref.id)


class ReportWindow(BaseModel):
    start: str
    end: str
    as_of: str


class ReportMatch(BaseModel):
    id: str
    kind: str
    records: list[ReportRecord]
    confidence: float
    explanation: str


class ReportCorrection(BaseModel):
    id: str
    system: str
    object_type: str
    object_id: str
    field: str
    from_value: str | None
    to_value: str | None


class ReportDiscrepancy(BaseModel):
    id: str
    field: str
    severity: str
    records: list[ReportRecord]
    values: dict[str, str]
    explanation: str
    status: str
    money_at_stake: str
    currency: str | None = None
    first_seen_run: int | None = None
    correction: ReportCorrection | None = None


class ReportCustomer(BaseModel):
    canonical_id: str
    name: str | None = None
    source_ids: list[dict[str, str]]


class Report(BaseModel):
    run_id: int
    workflow_id: str
    window: ReportWindow
    summary: dict[str, object]
    matches: list[ReportMatch] = Field(default_factory=list)
    discrepancies: list[ReportDiscrepancy] = Field(default_factory=list)
    resolved: list[ReportDiscrepancy] = Field(default_factory=list)
    customers: list[ReportCustomer] = Field(default_factory=list)
