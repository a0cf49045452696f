"""Strict reading of a ``finlite.schema/1`` JSON document into a :class:`~finlite.data.schema.ProfileSchema`,
and reading / writing schema files. Every problem is one :class:`SchemaError` line naming the file and the
field (``schema.json, field 'events.fields[2].kind': unknown kind 'date'``)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .schema import CATEGORICAL, MULTI, NUMERIC, Field, Labels, ProfileSchema, SchemaError, Tag

__all__ = ["read_schema", "schema_from_json", "write_schema"]

_FIELD_KEYS = {
    CATEGORICAL: {"name", "kind", "column", "role", "values", "counts", "max_values", "description"},
    MULTI: {"name", "kind", "column", "values", "counts", "max_values", "separator", "description"},
    NUMERIC: {"name", "kind", "column", "transform", "clip", "min", "max", "description"},
}


class _Reader:
    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, path: str, message: str) -> SchemaError:
        return SchemaError(f"{self.where}, field {path!r}: {message}")

    def obj(self, value: Any, path: str, allowed: set[str], required: set[str]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, f"must be a JSON object, got {type(value).__name__}")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(f"{path}.{unknown[0]}" if path else unknown[0], f"unknown key; allowed: {sorted(allowed)}")
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(f"{path}.{missing[0]}" if path else missing[0], "missing")
        return value

    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"must be a string, got {value!r}")
        return value

    def number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(path, f"must be a finite number, got {value!r}")
        return float(value)

    def count(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(path, f"must be a non-negative integer, got {value!r}")
        return value

    def texts(self, value: Any, path: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(path, "must be a list of strings")
        return tuple(self.text(v, f"{path}[{i}]") for i, v in enumerate(value))

    def field(self, value: Any, path: str) -> Field:
        if not isinstance(value, dict):
            raise self.fail(path, "must be a JSON object")
        kind = value.get("kind")
        if kind not in _FIELD_KEYS:
            raise self.fail(f"{path}.kind", f"unknown kind {kind!r}; expected one of {sorted(_FIELD_KEYS)}")
        required = {"name", "kind"} | ({"transform"} if kind == NUMERIC else {"values"})
        self.obj(value, path, _FIELD_KEYS[kind], required)
        kwargs: dict[str, Any] = {"name": self.text(value["name"], f"{path}.name"), "kind": kind}
        for key in ("column", "role", "description", "separator", "transform"):
            if key in value:
                kwargs[key] = self.text(value[key], f"{path}.{key}")
        if kind != NUMERIC:
            kwargs["values"] = self.texts(value["values"], f"{path}.values")
            if "counts" in value:
                if not isinstance(value["counts"], list):
                    raise self.fail(f"{path}.counts", "must be a list of integers")
                kwargs["counts"] = tuple(self.count(c, f"{path}.counts[{i}]") for i, c in enumerate(value["counts"]))
            if "max_values" in value:
                kwargs["max_values"] = self.count(value["max_values"], f"{path}.max_values")
            if kind == MULTI and not kwargs.get("separator", ";"):
                raise self.fail(f"{path}.separator", "must not be empty")
        else:
            for key in ("min", "max"):
                if value.get(key) is not None:
                    kwargs[key] = self.number(value[key], f"{path}.{key}")
            if value.get("clip") is not None:
                clip = value["clip"]
                if not isinstance(clip, list) or len(clip) != 2:
                    raise self.fail(f"{path}.clip", f"must be [low, high], got {clip!r}")
                kwargs["clip"] = (self.number(clip[0], f"{path}.clip[0]"), self.number(clip[1], f"{path}.clip[1]"))
        return Field(**kwargs)

    def fields(self, value: Any, path: str) -> tuple[Field, ...]:
        if not isinstance(value, list):
            raise self.fail(path, "must be a list of field objects")
        return tuple(self.field(v, f"{path}[{i}]") for i, v in enumerate(value))

    def tags(self, value: Any, path: str) -> tuple[Tag, ...]:
        if not isinstance(value, list):
            raise self.fail(path, "must be a list of tag objects")
        out = []
        for i, item in enumerate(value):
            here = f"{path}[{i}]"
            self.obj(item, here, {"name", "column", "description"}, {"name"})
            out.append(Tag(**{k: self.text(v, f"{here}.{k}") for k, v in item.items()}))
        return tuple(out)


def schema_from_json(data: Any, where: str = "schema") -> ProfileSchema:
    """A :class:`ProfileSchema` from its JSON form (see ``docs/schema.md``)."""
    r = _Reader(where)
    top = r.obj(data, "", {"format", "description", "events", "users", "labels"}, {"format", "events", "users", "labels"})
    ev = r.obj(top["events"], "events", {"user_id", "timestamp", "fields"}, {"fields"})
    us = r.obj(top["users"], "users", {"user_id", "fields"}, {"fields"})
    lab = r.obj(top["labels"], "labels",
                {"user_id", "stage", "next_product", "no_purchase", "stages", "stages_ordered", "tags", "products"},
                {"stages", "tags", "products"})
    ordered = lab.get("stages_ordered", False)
    if not isinstance(ordered, bool):
        raise r.fail("labels.stages_ordered", f"must be true or false, got {ordered!r}")
    labels = Labels(
        stages=r.texts(lab["stages"], "labels.stages"),
        tags=r.tags(lab["tags"], "labels.tags"),
        products=r.texts(lab["products"], "labels.products"),
        stages_ordered=ordered,
        **{key: r.text(lab[key], f"labels.{key}") for key in ("user_id", "stage", "next_product", "no_purchase") if key in lab},
    )
    roles = {f"event_{k}": r.text(ev[k], f"events.{k}") for k in ("user_id", "timestamp") if k in ev}
    if "user_id" in us:
        roles["user_user_id"] = r.text(us["user_id"], "users.user_id")
    try:
        return ProfileSchema(
            event_fields=r.fields(ev["fields"], "events.fields"),
            user_fields=r.fields(us["fields"], "users.fields"),
            labels=labels,
            description=r.text(top.get("description", ""), "description"),
            format=r.text(top["format"], "format"),
            **roles,
        )
    except SchemaError as exc:
        raise SchemaError(str(exc).replace("schema, field", f"{where}, field", 1)) from None


def read_schema(path: str | Path) -> ProfileSchema:
    """Read and check a schema file."""
    path = Path(path)
    if not path.is_file():
        raise SchemaError(f"{path}: schema file not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError(f"{path}: not a JSON file ({exc})") from None
    return schema_from_json(data, str(path))


def write_schema(schema: ProfileSchema, path: str | Path, overwrite: bool = False) -> Path:
    """Write ``schema`` as indented JSON (refuses to replace a file unless ``overwrite``)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise SchemaError(f"{path}: already exists (pass --force to replace it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
