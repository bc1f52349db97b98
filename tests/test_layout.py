"""The tree reads as the pipeline: a module imports only from its own stage or the ones before."""

import ast
from pathlib import Path

from support import ROOT

PACKAGE = ROOT / "src" / "specrun"
STAGES = (
    "errors",
    "gates",
    "settings",
    "document",
    "context",
    "providers",
    "rules",
    "run",
    "agents",
    "cli",
)


def stage_of(module: str) -> int:
    """The stage of ``specrun.X...``; the package root (its version) counts as the first."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return 0 if len(parts) == 1 else len(STAGES)
    return STAGES.index(parts[1])


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def imported(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("specrun"):
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("specrun")]
    return found


def test_every_module_imports_only_its_own_or_earlier_stages() -> None:
    climbing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        for target in imported(ast.parse(path.read_text(encoding="utf-8"))):
            if stage_of(target) > stage_of(name):
                climbing.append(f"{name} imports {target}")
    assert climbing == []


def test_the_check_itself_sees_a_climbing_import() -> None:
    tree = ast.parse("from specrun.run.runner import execute_run\n")
    assert stage_of(imported(tree)[0]) > stage_of("specrun.rules.judge")


def test_every_package_opens_with_a_map() -> None:
    for init in PACKAGE.rglob("__init__.py"):
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert docstring, f"{init} has no map"
