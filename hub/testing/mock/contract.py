"""Request validation against a connector's OpenAPI 3.1 contract.

The mock loads ``connectors/<name>/contract/openapi.yaml`` once and validates
each request body with jsonschema (Draft 2020-12) against the schema of its
path. A violation is described by the JSON path of the offending field and
the rule it breaks — never by the value, which may be personal data. A path whose
request schema is a ``oneOf`` with a ``discriminator`` (one URL, many services) is
checked against the schema of the service the body names (docs/mocks.md).

A valid body is the common case, and ``allOf`` + ``unevaluatedProperties: false``
(how the contracts compose a request from shared field sets) is the slowest thing
jsonschema checks (≈3 ms a DongBoDVC body on a slow machine, most of the mock's
CPU). Where a request schema composes only plain object schemas, the mock first
checks the body against the same schema flattened — local ``$ref``s inlined, the
``allOf`` parts' properties merged, ``additionalProperties: false`` — which accepts
exactly the same bodies (≈0.7 ms); other schemas are checked as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["Contract", "Violation", "load_contract"]

_BASE_URI = "urn:tthc-hub:contract"


@dataclass(frozen=True, slots=True)
class Violation:
    """One request that broke the contract: where, which field, which rule."""

    path: str  #: the request path, e.g. /apiBTXH/DongBoDVC
    field: str  #: the JSON path of the field in the body, e.g. NgayThangNamSinh; "" = the body
    error: str  #: the rule broken, in words, without the value
    #: on a one-URL protocol, the service (or SOAP operation) whose schema was broken
    service: str = ""

    def as_dict(self) -> dict[str, str]:
        out = asdict(self)
        if not self.service:
            del out["service"]
        return out


class _Check:
    """One schema, compiled: the first violation of a body, as (field, error)."""

    def __init__(self, schema: dict[str, Any], document: dict[str, Any], registry: Any) -> None:
        if "$ref" in schema and schema["$ref"].startswith("#"):
            schema = {"$ref": _BASE_URI + schema["$ref"]}
        self.validator = Draft202012Validator(schema, registry=registry)
        flat = _flatten(schema, document)
        # Same verdicts; and its errors name an unknown field itself, where the
        # composed schema's unevaluatedProperties only knows its own properties.
        self.fast = Draft202012Validator(flat) if flat is not None else None

    def first(self, body: Any) -> tuple[str, str] | None:
        validator = self.fast or self.validator
        errors = sorted(validator.iter_errors(body), key=_error_order)
        if not errors:
            return None
        error = _leaf(errors[0])
        return _field(error), _describe(error)


@dataclass(frozen=True, slots=True)
class _Services:
    """A one-URL path: the body's ``key`` names the service, each with its own schema."""

    key: str
    checks: dict[str, _Check]


class Contract:
    """The request-body validators of one OpenAPI document, by path.

    A path whose request schema is a ``oneOf`` with a ``discriminator`` (one URL, many
    services: ``{"session": ..., "service": "LayHoSo", ...}``) is checked per service:
    the body against the schema its ``discriminator.propertyName`` names, and a
    violation says which service (see :mod:`hub.testing.mock.envelope`).
    """

    def __init__(self, document: dict[str, Any]) -> None:
        if not str(document.get("openapi", "")).startswith("3.1"):
            raise ValueError("the contract must be an OpenAPI 3.1 document")
        self.document = document
        resource: Resource[Any] = DRAFT202012.create_resource(document)
        self._registry: Registry[Any] = Registry().with_resource(_BASE_URI, resource)
        self._checks: dict[str, _Check] = {}
        self._services: dict[str, _Services] = {}
        for path, item in document.get("paths", {}).items():
            body = item.get("post", {}).get("requestBody", {})
            schema = body.get("content", {}).get("application/json", {}).get("schema")
            if schema is None:
                continue
            self._checks[path] = _Check(schema, document, self._registry)
            services = self._discriminated(path, schema)
            if services is not None:
                self._services[path] = services

    def _discriminated(self, path: str, schema: dict[str, Any]) -> _Services | None:
        node = self._resolve(schema)
        discriminator = node.get("discriminator")
        if not isinstance(discriminator, dict) or "propertyName" not in discriminator:
            return None
        refs = [part["$ref"] for part in node.get("oneOf", []) if "$ref" in part]
        mapping = discriminator.get("mapping") or {r.rsplit("/", 1)[-1]: r for r in refs}
        checks = {
            str(name): _Check({"$ref": ref}, self.document, self._registry)
            for name, ref in mapping.items()
        }
        if not checks:
            raise ValueError(f"{path}: the discriminator names no service schema")
        return _Services(key=str(discriminator["propertyName"]), checks=checks)

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return node
        target: Any = self.document
        for part in ref[2:].split("/"):
            target = target[part]
        return dict(target)

    @property
    def paths(self) -> list[str]:
        return list(self._checks)

    def services(self, path: str) -> tuple[str, list[str]] | None:
        """For a one-URL path: the body key that names the service, and the services."""
        services = self._services.get(path)
        return None if services is None else (services.key, list(services.checks))

    def validate(self, path: str, body: Any) -> Violation | None:
        """The first violation of ``body`` against the schema of ``path``; None if valid."""
        services = self._services.get(path)
        if services is not None:
            return self._validate_service(path, services, body)
        check = self._checks.get(path)
        if check is None:
            return None
        found = check.first(body)
        return None if found is None else Violation(path=path, field=found[0], error=found[1])

    def _validate_service(self, path: str, services: _Services, body: Any) -> Violation | None:
        if not isinstance(body, dict):
            return Violation(path=path, field="", error="must be a JSON object")
        name = body.get(services.key)
        if name is None:
            return Violation(path=path, field=services.key, error="is required")
        check = services.checks.get(name) if isinstance(name, str) else None
        if check is None:
            known = ", ".join(sorted(services.checks))
            error = f"names no service of this contract (known: {known})"
            return Violation(path=path, field=services.key, error=error)
        found = check.first(body)
        if found is None:
            return None
        return Violation(path=path, field=found[0], error=found[1], service=name)


#: Keywords an ``allOf`` part may use for the flattened schema to accept the same bodies.
_PLAIN_PART = frozenset({"type", "properties", "required", "description", "title"})


def _flatten(schema: Any, document: dict[str, Any]) -> dict[str, Any] | None:
    """``schema`` with local refs inlined and a plain ``allOf`` merged; None when it uses
    anything else with ``unevaluatedProperties`` (then only the original is used)."""

    def inline(node: Any, depth: int) -> Any:
        if depth > 20:
            raise RecursionError  # a recursive schema: leave it as it is
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                local = ref.removeprefix(_BASE_URI)
                if not local.startswith("#/") or len(node) != 1:
                    raise ValueError(ref)
                target: Any = document
                for part in local[2:].split("/"):
                    target = target[part]
                return inline(target, depth + 1)
            return {k: inline(v, depth + 1) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v, depth + 1) for v in node]
        return node

    def merge(node: Any) -> Any:
        if isinstance(node, list):
            return [merge(v) for v in node]
        if not isinstance(node, dict):
            return node
        node = {k: merge(v) for k, v in node.items()}
        if "unevaluatedProperties" not in node:
            return node
        parts = node.pop("allOf", [])
        if node.pop("unevaluatedProperties") is not False or set(node) - _PLAIN_PART:
            raise ValueError("not a plain composition")
        properties, required = dict(node.get("properties", {})), list(node.get("required", []))
        for part in parts:
            if set(part) - _PLAIN_PART or part.get("type", "object") != "object":
                raise ValueError("not a plain composition")
            properties |= part.get("properties", {})
            required += [r for r in part.get("required", []) if r not in required]
        return node | {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }

    try:
        return merge(inline(schema, 0))
    except (RecursionError, ValueError, KeyError, TypeError):
        return None


def _error_order(error: ValidationError) -> tuple[bool, int, str]:
    # Prefer the shallowest, most specific error, and a stable order between runs.
    # unevaluatedProperties also fires for every property of a failing allOf branch,
    # so it is a consequence, reported only when nothing else is wrong.
    return (
        error.validator == "unevaluatedProperties",
        len(error.absolute_path),
        ".".join(str(p) for p in error.absolute_path),
    )


def _leaf(error: ValidationError) -> ValidationError:
    # allOf/anyOf wrap the real errors: descend to the most specific one.
    while error.context:
        error = sorted(error.context, key=_error_order)[0]
    return error


def _field(error: ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        required: list[str] = list(error.validator_value)  # type: ignore[arg-type]
        missing = [r for r in required if r not in error.instance]
        parts.append(missing[0] if missing else "")
    elif error.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(
        error.instance, dict
    ):
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        known = set(schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in known)
        parts.append(extra[0] if extra else "")
    return ".".join(p for p in parts if p)


_RULES = {
    "required": "is required",
    "type": "must be of type {value}",
    "pattern": "does not have the required format",
    "enum": "is not one of the allowed values",
    "const": "is not the allowed value",
    "minLength": "is shorter than {value} characters",
    "maxLength": "is longer than {value} characters",
    "minimum": "is below the minimum {value}",
    "maximum": "is above the maximum {value}",
    "minItems": "has fewer than {value} items",
    "maxItems": "has more than {value} items",
    "additionalProperties": "is not a field of this operation",
    "unevaluatedProperties": "is not a field of this operation",
    "anyOf": "does not match any of the allowed shapes",
    "oneOf": "does not match exactly one of the allowed shapes",
}


def _describe(error: ValidationError) -> str:
    rule = _RULES.get(str(error.validator), f"breaks the rule '{error.validator}'")
    value = error.validator_value
    return rule.format(value=value if isinstance(value, (int, str)) else "")


@cache
def _load(path: str) -> Contract:
    with open(path, encoding="utf-8") as fh:
        return Contract(yaml.safe_load(fh))


def load_contract(path: str | Path) -> Contract:
    """The contract at ``path``, loaded and compiled once per process."""
    return _load(str(Path(path).resolve()))
