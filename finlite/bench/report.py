"""``finlite.bench/1`` result documents: build, check, write as JSON + Markdown, print as a table.

Schema (documented in ``docs/benchmarks.md``)::

    {"schema": "finlite.bench/1", "created": ISO-8601, "command": str, "machine": {...},
     "target": str, "task": str | null, "name": str,
     "settings": {"runs", "warmup", "chunk", "threads": [...]},
     "model": {"name", "macs", "params", "source"},
     "rows": [{"artifact", "runtime", "precision", "threads", "status", "init_ms", "first_ms",
               "p50_ms", "p90_ms", "p99_ms", "mean_ms", "runs", "peak_mem_mb", "size_bytes", "error"}],
     "notes": [str]}
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from ..bundle import formats
from .machine import machine_line

SCHEMA = formats.BENCH
ROW_FIELDS = {
    "artifact": str,
    "runtime": str,
    "precision": str,
    "threads": int,
    "status": str,
    "init_ms": (float, type(None)),
    "first_ms": (float, type(None)),
    "p50_ms": (float, type(None)),
    "p90_ms": (float, type(None)),
    "p99_ms": (float, type(None)),
    "mean_ms": (float, type(None)),
    "runs": int,
    "peak_mem_mb": (float, type(None)),
    "size_bytes": (int, type(None)),
    "error": (str, type(None)),
}
TOP_FIELDS = ("schema", "created", "command", "machine", "target", "name", "settings", "model", "rows")
STATUSES = ("ok", "skipped", "error")


def make_document(*, command: str, machine: dict, target: str, name: str, task: str | None, settings: dict, model: dict, rows: list[dict], notes: list[str]) -> dict:
    return {
        "schema": SCHEMA,
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "command": command,
        "machine": machine,
        "target": target,
        "name": name,
        "task": task,
        "settings": settings,
        "model": model,
        "rows": rows,
        "notes": notes,
    }


def check_document(doc: dict) -> None:
    """Raise ValueError naming the first field that does not follow the ``finlite.bench/1`` schema."""
    for key in TOP_FIELDS:
        if key not in doc:
            raise ValueError(f"missing top-level field {key!r}")
    if doc["schema"] != SCHEMA:
        raise ValueError(f"schema {doc['schema']!r}, expected {SCHEMA!r}")
    for key in ("macs", "params"):
        if not isinstance(doc["model"].get(key), (int, type(None))):
            raise ValueError(f"model.{key} must be an integer or null")
    for i, row in enumerate(doc["rows"]):
        for key, kind in ROW_FIELDS.items():
            if key not in row:
                raise ValueError(f"rows[{i}]: missing {key!r}")
            value = row[key]
            ok = isinstance(value, kind) and not (isinstance(value, bool) and kind in (int, float))
            if isinstance(value, int) and not isinstance(value, bool) and kind == (float, type(None)):
                ok = True
            if not ok:
                raise ValueError(f"rows[{i}].{key}: {value!r} has the wrong type")
        if row["status"] not in STATUSES:
            raise ValueError(f"rows[{i}].status {row['status']!r} not in {STATUSES}")
        if row["status"] == "ok" and not (row["p50_ms"] <= row["p90_ms"] <= row["p99_ms"]):
            raise ValueError(f"rows[{i}]: percentiles not monotone")


def _fmt(value, spec: str = ".3f") -> str:
    return "–" if value is None else format(value, spec)


def _mb(size: int | None) -> str:
    return "–" if size is None else f"{size / 1e6:.2f}"


HEADER = ("artifact", "runtime", "prec", "thr", "size MB", "init ms", "p50 ms", "p90 ms", "p99 ms", "mem MB", "runs")


def _cells(row: dict) -> tuple[str, ...]:
    if row["status"] != "ok":
        reason = (row["error"] or row["status"])[:70]
        return (row["artifact"], row["runtime"], row["precision"], str(row["threads"]), _mb(row["size_bytes"]), f"{row['status']}: {reason}", "", "", "", "", "")
    return (
        row["artifact"],
        row["runtime"],
        row["precision"],
        str(row["threads"]),
        _mb(row["size_bytes"]),
        _fmt(row["init_ms"], ".1f"),
        _fmt(row["p50_ms"]),
        _fmt(row["p90_ms"]),
        _fmt(row["p99_ms"]),
        _fmt(row["peak_mem_mb"], ".1f"),
        str(row["runs"]),
    )


def _model_line(doc: dict) -> str:
    model = doc["model"]
    macs = "?" if model.get("macs") is None else f"{model['macs'] / 1e6:.2f} M"
    params = "?" if model.get("params") is None else f"{model['params'] / 1e3:.1f} k"
    return f"model {model.get('name') or '?'}: {macs} MACs, {params} parameters ({model.get('source') or 'unknown source'})"


def render_table(doc: dict) -> str:
    """Fixed-width console table (skipped / failed rows show their reason)."""
    cells = [HEADER, *(_cells(r) for r in doc["rows"])]
    ok_widths = [max(len(c[k]) for c in cells if not c[5].startswith(("skipped", "error")) or k < 5) for k in range(len(HEADER))]
    lines = []
    for c in cells:
        if c[5].startswith(("skipped:", "error:")):
            lines.append("  ".join(v.ljust(ok_widths[k]) for k, v in enumerate(c[:5])) + "  " + c[5])
        else:
            lines.append("  ".join(v.rjust(ok_widths[k]) if k >= 3 else v.ljust(ok_widths[k]) for k, v in enumerate(c)))
    s = doc["settings"]
    return "\n".join(
        [
            f"{doc['name']}: batch-1 latency, {s['runs']} timed calls per row (fewer for a row slower than {s.get('max_row_seconds', 10)} s in all) "
            f"after {s['warmup']} warm-up calls, interleaved in chunks of {s['chunk']}",
            *lines,
            _model_line(doc),
            f"machine: {machine_line(doc['machine'])}",
        ]
    )


def render_markdown(doc: dict) -> str:
    """The result as a Markdown page: command, machine, model, table, notes."""
    s = doc["settings"]
    versions = ", ".join(f"{k} {v}" for k, v in doc["machine"]["versions"].items() if v)
    lines = [
        f"# Benchmark: {doc['name']}",
        "",
        f"- command: `{doc['command']}`",
        f"- machine: {machine_line(doc['machine'])}; {versions}",
        f"- created: {doc['created']}",
        f"- {_model_line(doc)}",
        f"- batch 1; {s['runs']} timed calls per row (fewer for a row slower than {s.get('max_row_seconds', 10)} s in all) after {s['warmup']} "
        f"warm-up calls, all rows interleaved in chunks of {s['chunk']}",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" if k < 3 else "---:" for k in range(len(HEADER))) + "|",
    ]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in doc["rows"]]
    if doc.get("notes"):
        lines += ["", *(f"- {n}" for n in doc["notes"])]
    return "\n".join(lines) + "\n"


def write_document(doc: dict, out_dir: Path, stem: str) -> tuple[Path, Path]:
    """``out_dir/stem.json`` and ``out_dir/stem.md``."""
    check_document(doc)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(render_markdown(doc), encoding="utf-8")
    return json_path, md_path
