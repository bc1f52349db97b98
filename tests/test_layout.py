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


PRINTERS = {("typer", "echo"), ("click", "echo"), ("sys", "stdout"), ("sys", "stderr")}


def printing_lines(tree: ast.AST) -> list[int]:
    """Where a module prints: ``print``, ``typer.echo``, ``click.echo``, ``sys.stdout``..."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "print":
                found.append(node.lineno)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr) in PRINTERS
        ):
            found.append(node.lineno)
    return found


def lines_of(tree: ast.AST, name: str) -> range:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return range(node.lineno, (node.end_lineno or node.lineno) + 1)
    return range(0)


def test_only_the_sanitising_show_prints() -> None:
    """Every printed string passes ``gates.terminal.shown``: a new command cannot forget it."""
    stray = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = (
            [*lines_of(tree, "show"), *lines_of(tree, "awaiting")] if path.name == "cli.py" else []
        )
        stray += [f"{path.name}:{line}" for line in printing_lines(tree) if line not in allowed]
    assert stray == []


def test_the_print_check_sees_a_stray_echo() -> None:
    tree = ast.parse("def command():\n    typer.echo('x')\nprint(1)\n")
    assert sorted(printing_lines(tree)) == [2, 3]
    assert 2 not in lines_of(tree, "show")
