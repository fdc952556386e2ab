"""openapi.json for tests that check answers against it: the document, path templates, and schema validation."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import referencing
import referencing.jsonschema

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.json"
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text())
URN = "urn:daisys-openapi"
REGISTRY: referencing.Registry[Any] = referencing.Registry().with_resource(
    URN, referencing.Resource.from_contents(SPEC, default_specification=referencing.jsonschema.DRAFT202012)
)
ERROR_DETAIL = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}
"""FastAPI's answer for an error it raises: ``{"detail": "..."}``."""


def template(path: str) -> str:
    """The spec path template of a concrete product path, preferring fixed segments (as routing does)."""
    candidates = [(t.count("{"), t) for t in SPEC["paths"] if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", t), path)]
    assert candidates, f"no spec path for {path}"
    return min(candidates)[1]


def schema_error(instance: Any, schema: dict[str, Any]) -> jsonschema.ValidationError | None:
    """The most relevant way ``instance`` breaks ``schema`` (refs resolved in openapi.json), or None."""
    # Inline schemas point into the document with "#/components/..."; anchor them at the registered document.
    anchored = json.loads(json.dumps(schema).replace('"#/components/', f'"{URN}#/components/'))
    errors = jsonschema.Draft202012Validator(anchored, registry=REGISTRY).iter_errors(instance)
    return jsonschema.exceptions.best_match(errors)
