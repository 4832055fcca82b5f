"""A compact JSON Schema validator for the subset X's OpenAPI document uses.

Keywords: $ref (within the document), type (+ OpenAPI's nullable), properties,
required, additionalProperties, items, minItems, maxItems, uniqueItems, enum, pattern,
minLength, maxLength, minimum, maximum, allOf, anyOf, oneOf, and format date-time
(RFC 3339). Annotations (description, example, default, discriminator, other formats)
are ignored; any other keyword is an error, so the document cannot outgrow the
validator unnoticed. `errors()` returns every failure with its JSON path.
"""

import re
from typing import Any

Schema = dict[str, Any]

ANNOTATIONS = {"description", "example", "default", "discriminator", "format", "title"}
ANNOTATIONS |= {"externalDocs", "readOnly", "writeOnly", "deprecated", "nullable"}
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
}


class Validator:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, reference: str) -> Schema:
        if not reference.startswith("#/"):
            raise ValueError(f"only references within the document: {reference}")
        node: Any = self.document
        for part in reference[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        resolved: Schema = node
        return resolved

    def errors(self, value: Any, schema: Schema, path: str = "$") -> list[str]:
        if "$ref" in schema:
            return self.errors(value, self.resolve(schema["$ref"]), path)
        if value is None and schema.get("nullable"):
            return []
        found = [*self._type(value, schema, path), *self._combined(value, schema, path)]
        if found:
            return found
        checks = (self._enum, self._string, self._number, self._array, self._object)
        return [error for check in checks for error in check(value, schema, path)]

    def _type(self, value: Any, schema: Schema, path: str) -> list[str]:
        unknown = set(schema) - KEYWORDS
        if unknown:
            raise ValueError(f"{path}: the validator does not know {sorted(unknown)}")
        kind = schema.get("type")
        if kind is None:
            return []
        wrong = not isinstance(value, TYPES[kind]) or (
            isinstance(value, bool) and kind in ("integer", "number")
        )
        return [f"{path}: {type(value).__name__} is not {kind}"] if wrong else []

    def _combined(self, value: Any, schema: Schema, path: str) -> list[str]:
        found = [e for part in schema.get("allOf", []) for e in self.errors(value, part, path)]
        if "anyOf" in schema and all(self.errors(value, s, path) for s in schema["anyOf"]):
            found.append(f"{path}: matches none of anyOf")
        if "oneOf" in schema:
            matched = sum(not self.errors(value, s, path) for s in schema["oneOf"])
            if matched != 1:
                found.append(f"{path}: matches {matched} of oneOf, not exactly one")
        return found

    @staticmethod
    def _enum(value: Any, schema: Schema, path: str) -> list[str]:
        if "enum" in schema and value not in schema["enum"]:
            return [f"{path}: {value!r} is not one of {schema['enum']}"]
        return []

    @staticmethod
    def _string(value: Any, schema: Schema, path: str) -> list[str]:
        if not isinstance(value, str):
            return []
        found = []
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            found.append(f"{path}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append(f"{path}: longer than {schema['maxLength']}")
        if schema.get("format") == "date-time" and not DATE_TIME.fullmatch(value):
            found.append(f"{path}: {value!r} is not an RFC 3339 date-time")
        return found

    @staticmethod
    def _number(value: Any, schema: Schema, path: str) -> list[str]:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return []
        found = []
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{path}: {value} is below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{path}: {value} is above {schema['maximum']}")
        return found

    def _array(self, value: Any, schema: Schema, path: str) -> list[str]:
        if not isinstance(value, list):
            return []
        found = []
        if len(value) < schema.get("minItems", 0):
            found.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            found.append(f"{path}: more than {schema['maxItems']} items")
        if schema.get("uniqueItems") and len({repr(item) for item in value}) < len(value):
            found.append(f"{path}: items repeat")
        items = schema.get("items", {})
        return found + [
            e for i, v in enumerate(value) for e in self.errors(v, items, f"{path}[{i}]")
        ]

    def _object(self, value: Any, schema: Schema, path: str) -> list[str]:
        if not isinstance(value, dict):
            return []
        properties = schema.get("properties", {})
        required = schema.get("required", [])
        found = [f"{path}: {name!r} is required" for name in required if name not in value]
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                found += self.errors(item, properties[name], f"{path}.{name}")
            elif extra is False:
                found.append(f"{path}: {name!r} is not allowed")
            elif isinstance(extra, dict):
                found += self.errors(item, extra, f"{path}.{name}")
        return found


KEYWORDS = ANNOTATIONS | {"$ref", "type", "properties", "required", "additionalProperties"}
KEYWORDS |= {"items", "minItems", "maxItems", "uniqueItems", "enum", "pattern", "minLength"}
KEYWORDS |= {"maxLength", "minimum", "maximum", "allOf", "anyOf", "oneOf"}
