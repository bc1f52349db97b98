"""A response model's JSON Schema as each provider's structured-output mode accepts it.

Both vendors constrain decoding to a JSON Schema, each to its own subset of it:

- OpenAI strict mode (``response_format`` with ``strict: true``, or a strict function tool; the
  OpenAI-compatible servers take the same form): a root object, every property required,
  ``additionalProperties: false`` on every object; bounds such as ``minItems``, ``maxItems``,
  ``minimum`` and ``pattern`` are enforced, ``minLength``, ``maxLength`` and the like are not.
- Anthropic (``output_config.format``, or a ``strict: true`` tool): ``additionalProperties:
  false`` on every object, ``minItems`` of 0 or 1 only, no ``maxItems``, no numeric or length
  bounds.

A bound a provider cannot enforce is moved into the description, where the model still reads it
(as the vendors' own SDK helpers do); specrun's rules enforce it after the answer (SC101: exactly
four candidates). ``$ref`` with sibling keywords is inlined (pydantic before 2.9 wraps it in a
one-element ``allOf``, which is unwrapped), ``oneOf`` becomes ``anyOf``.

A model that strict decoding cannot express without changing its meaning (an optional field, a
free-form mapping, a field of any type) is refused with ``UnsupportedSchema`` naming the field,
where the vendors' SDK helpers would silently make optional fields required.
"""

import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

Vendor = Literal["openai", "anthropic"]
KEPT = frozenset({"type", "title", "description", "enum", "const", "required"})


class UnsupportedSchema(ValueError):
    """A response model that strict structured outputs cannot express as it is."""


@dataclass(frozen=True)
class Limits:
    """The bounds a vendor's strict decoding enforces; ``max_min_items`` caps ``minItems``."""

    bounds: frozenset[str]
    formats: frozenset[str]
    max_min_items: int | None = None

    def enforces(self, keyword: str, value: Any) -> bool:
        if keyword == "format":
            return value in self.formats
        if keyword == "minItems" and self.max_min_items is not None:
            return isinstance(value, int) and value <= self.max_min_items
        return keyword in self.bounds


LIMITS: dict[Vendor, Limits] = {
    "openai": Limits(
        bounds=frozenset(
            {
                "pattern",
                "minimum",
                "maximum",
                "exclusiveMinimum",
                "exclusiveMaximum",
                "multipleOf",
                "minItems",
                "maxItems",
            }
        ),
        formats=frozenset(
            {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}
        ),
    ),
    "anthropic": Limits(
        bounds=frozenset({"pattern", "minItems"}),
        formats=frozenset(
            {
                "date-time",
                "time",
                "date",
                "duration",
                "email",
                "hostname",
                "uri",
                "ipv4",
                "ipv6",
                "uuid",
            }
        ),
        max_min_items=1,
    ),
}


def strict_schema(model: type[BaseModel], vendor: Vendor) -> dict[str, Any]:
    """``model``'s JSON Schema in the form ``vendor``'s strict structured outputs accept."""
    schema = model.model_json_schema()
    if schema.get("type") != "object":
        raise UnsupportedSchema(
            f"{model.__name__}: the root of a structured output must be an object"
        )
    definitions: dict[str, Any] = schema.pop("$defs", {})
    walk = _Walk(definitions, LIMITS[vendor])
    strict = walk.node(schema, model.__name__)
    if definitions:
        strict["$defs"] = {name: walk.node(node, name) for name, node in definitions.items()}
    return strict


@dataclass(frozen=True)
class _Walk:
    definitions: dict[str, Any]
    limits: Limits

    def node(self, node: dict[str, Any], path: str) -> dict[str, Any]:
        if "$ref" in node:
            return self.reference(node, path)
        if len(node.get("allOf", ())) == 1:
            siblings = {key: value for key, value in node.items() if key != "allOf"}
            return self.node({**node["allOf"][0], **siblings}, path)
        if "allOf" in node or "not" in node:
            raise UnsupportedSchema(f"{path}: allOf and not cannot be expressed strictly")
        strict: dict[str, Any] = {}
        moved: dict[str, Any] = {}
        for key, value in node.items():
            if key in KEPT:
                strict[key] = value
            elif key == "properties":
                strict[key] = {
                    name: self.node(child, f"{path}.{name}") for name, child in value.items()
                }
            elif key == "items":
                strict[key] = self.node(value, f"{path}[]")
            elif key in ("anyOf", "oneOf"):
                strict["anyOf"] = [self.node(option, path) for option in value]
            elif key == "additionalProperties":
                continue
            elif self.limits.enforces(key, value):
                strict[key] = value
            else:
                moved[key] = value
        if not strict.keys() & {"type", "enum", "const", "anyOf"}:
            raise UnsupportedSchema(f"{path} has no type; give the field a concrete type")
        if node.get("type") == "object":
            strict |= self.closed(node, path)
        if moved:
            stated = ", ".join(f"{key}: {json.dumps(value)}" for key, value in moved.items())
            described = strict.get("description")
            strict["description"] = f"{described}\n\n{{{stated}}}" if described else f"{{{stated}}}"
        return strict

    def reference(self, node: dict[str, Any], path: str) -> dict[str, Any]:
        """A bare ``$ref`` stays; one with sibling keywords is inlined, the siblings winning."""
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        if not siblings:
            return {"$ref": node["$ref"]}
        name = str(node["$ref"]).rpartition("/")[2]
        if name not in self.definitions:
            raise UnsupportedSchema(f"{path}: $ref {node['$ref']} is not a local definition")
        return self.node({**self.definitions[name], **siblings}, path)

    @staticmethod
    def closed(node: dict[str, Any], path: str) -> dict[str, Any]:
        """An object with every property required and no others allowed, or the reason why
        strict decoding cannot express it."""
        if node.get("additionalProperties", False) is not False or "properties" not in node:
            raise UnsupportedSchema(
                f"{path} is a free-form mapping; strict structured outputs need a model with "
                "named fields"
            )
        optional = [name for name in node["properties"] if name not in node.get("required", ())]
        if optional:
            raise UnsupportedSchema(
                f"{path}.{optional[0]} is optional; strict structured outputs need every field "
                "required: declare it without a default, as `T | None` where it may be empty"
            )
        return {"required": list(node["properties"]), "additionalProperties": False}
