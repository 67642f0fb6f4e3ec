"""Where the vendors' public specs and example payloads are: `shared/vendor` beside the clone."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

_ROOT = Path(__file__).resolve().parents[1]
VENDOR = next(
    (p for p in (_ROOT.parent / "shared" / "vendor", Path("/work/shared/vendor")) if p.is_dir()),
    _ROOT.parent / "shared" / "vendor",
)


def parsed_spec(request: pytest.FixtureRequest, path: Path) -> dict:
    """A vendor's YAML spec, parsed once and kept as JSON in pytest's cache (0.1 s, not 3-6 s)."""
    cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider
    stat = path.stat()
    key = f"accord/vendor-spec/{path.name}-{stat.st_size}-{stat.st_mtime_ns}"
    spec = cache.get(key, None) if cache else None
    if spec is None:
        with path.open() as f:
            spec = yaml.load(f, Loader=yaml.CSafeLoader)
        if cache:
            cache.set(key, spec)
    return spec


def nullable_fix(node: object) -> None:
    """OAS 3.0 `nullable` beside `anyOf`/`oneOf`/`allOf`/`enum` is not honoured by the
    JSON-schema validator; spell it out in place."""
    if isinstance(node, dict):
        for key in ("anyOf", "oneOf", "allOf"):
            if node.get("nullable") and key in node:
                node[key] = (
                    [{"anyOf": [{"allOf": node.pop(key)}, {"enum": [None]}]}]
                    if key == "allOf"
                    else [*node[key], {"enum": [None]}]
                )
        if node.get("nullable") and "enum" in node and None not in node["enum"]:
            node["enum"].append(None)
        for value in list(node.values()):
            nullable_fix(value)
    elif isinstance(node, list):
        for value in node:
            nullable_fix(value)
