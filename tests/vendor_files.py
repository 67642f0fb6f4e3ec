"""Where the vendors' public specs and example payloads are: `shared/vendor` beside the clone."""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
VENDOR = next(
    (p for p in (_ROOT.parent / "shared" / "vendor", Path("/work/shared/vendor")) if p.is_dir()),
    _ROOT.parent / "shared" / "vendor",
)
