"""The package's floors (docs/architecture.md): a module imports only from its own floor or the
floors below it; the runtime never imports the exporter or training; only finlite/tasks/ knows
which task is which; no module grows past 500 lines."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "finlite"

# Ground floor first. A top-level module (finlite/x.py) or package (finlite/x/) sits on the floor
# that names it; finlite/__init__.py loads its public names lazily and is not checked.
FLOORS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    ("bundle",),
    ("data",),
    ("models",),
    ("tasks",),
    ("training",),
    ("export",),
    ("runtime",),
    ("realtime",),
    ("bench",),
    ("api", "quickstart", "cli", "cli_encode", "cli_pretrain", "cli_schema", "cli_signing", "cli_simulate", "cli_triggers", "__main__"),
)
FLOOR = {name: level for level, names in enumerate(FLOORS) for name in names}
# Besides the floor rule: what the apps mirror must be loadable without the exporter or training.
FORBIDDEN = {"runtime": {"export", "training"}, "realtime": {"export", "training"}}
MAX_LINES = 500


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def _unit(path: Path) -> str:
    """The floor name of a module file: its top-level package or module under finlite/."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imported_units(path: Path, source: str | None = None) -> set[tuple[str, int]]:
    """(floor name, line) of every finlite module ``path`` (or ``source`` standing at ``path``)
    imports, lazily or not."""
    package = path.relative_to(PACKAGE.parent).parts[:-1]  # ("finlite", "tasks", …): the module's package
    found = set()
    text = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = base + (node.module.split(".") if node.module else [])
            targets = [module + [alias.name] if not node.module else module for alias in node.names]
        else:
            continue
        for parts in targets:
            if parts[0] == "finlite" and len(parts) > 1 and parts[1] in FLOOR:
                found.add((parts[1], node.lineno))
    return found


def test_every_unit_has_a_floor():
    units = {_unit(p) for p in _modules()}
    assert units <= set(FLOOR), f"put {sorted(units - set(FLOOR))} on a floor in this test and in docs/architecture.md"


def test_no_module_imports_a_later_floor():
    violations = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports finlite.{target} (floor {FLOOR[target]}) from floor {FLOOR[_unit(path)]}"
        for path in _modules()
        for target, line in sorted(_imported_units(path))
        if FLOOR[target] > FLOOR[_unit(path)]
    ]
    assert not violations, "\n".join(violations)


def test_runtime_imports_neither_export_nor_training():
    violations = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports finlite.{target}"
        for path in _modules()
        for target, line in sorted(_imported_units(path))
        if target in FORBIDDEN.get(_unit(path), set())
    ]
    assert not violations, "\n".join(violations)


def test_the_floor_check_sees_relative_and_lazy_imports():
    """The checker itself: lazy relative imports, of a module and of a package's ``__init__``."""
    source = "def f():\n    from ..training import trainer\n    from . import formats\n    import finlite.export.bundle\n"
    assert _imported_units(PACKAGE / "bundle" / "probe.py", source) == {("training", 2), ("bundle", 3), ("export", 4)}
    assert _imported_units(PACKAGE / "bundle" / "__init__.py", "from .. import errors\nfrom .manifest import x\n") == {("errors", 1), ("bundle", 2)}


TASK_TEST = re.compile(r"""\btask(?:\.name)?\s*(?:==|!=|\bin\b)\s*[\(\[{]?\s*["']""")


@pytest.mark.parametrize("root", ["finlite", "benchmarks"])
def test_only_tasks_know_which_task_is_which(root):
    base = PACKAGE.parent / root
    hits = [
        f"{path.relative_to(PACKAGE.parent)}:{i}: {line.strip()}"
        for path in sorted(base.rglob("*.py"))
        if "tasks" not in path.relative_to(PACKAGE.parent).parts
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TASK_TEST.search(line)
    ]
    assert not hits, "dispatch through the task object (finlite.tasks.get_task) instead:\n" + "\n".join(hits)


def test_modules_stay_small():
    long = {str(p.relative_to(PACKAGE.parent)): n for p in _modules() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these modules (> {MAX_LINES} lines): {long}"


def test_the_public_face_is_small_and_light():
    """``import finlite`` loads no heavy library; its few public names resolve on first use."""
    import subprocess
    import sys

    code = (
        "import sys, finlite; names = sorted(finlite.__all__); "
        "heavy = [m for m in ('torch', 'onnx', 'onnxruntime', 'sklearn', 'pyarrow') if m in sys.modules]; "
        "assert not heavy, heavy; "
        "assert callable(finlite.train) and callable(finlite.export_bundle) and callable(finlite.load_bundle); "
        "assert finlite.list_tasks() == ['intent', 'profile'] and issubclass(finlite.FinliteError, Exception); "
        "print(names)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "'load_bundle'" in proc.stdout and "'Bundle'" in proc.stdout


def test_the_cli_parser_loads_no_numpy():
    """``finlite --help`` builds every task's options from the task objects without numpy or torch."""
    import subprocess
    import sys

    code = (
        "import sys; from finlite.cli import build_parser; build_parser(); "
        "heavy = [m for m in ('numpy', 'torch', 'pyarrow') if m in sys.modules]; assert not heavy, heavy"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
