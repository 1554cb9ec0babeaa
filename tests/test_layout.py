"""The package's layout is its architecture: each package imports only the layers below it, with no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "searchlib"

#: What each part of searchlib may import from searchlib (besides itself, ``errors`` and ``progress``).
ALLOWED = {
    "records": set(),
    "analysis": {"records"},
    "_engine": {"records", "analysis"},
    "search": {"records", "analysis", "_engine"},
}
TOP_LEVEL_LIMIT = 12
LINE_LIMIT = 600


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The searchlib modules ``name`` imports, anywhere in it (functions included)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                out.add(candidate if candidate in modules else target)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {m for m in out if m in modules and m != name}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_each_package_imports_only_the_layers_below_it():
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        part = _part(name)
        if part not in ALLOWED:
            continue
        for target in _imports(name, path, modules):
            other = _part(target)
            if other not in (part, "errors", "progress", "") and other not in ALLOWED[part]:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "imports against the layering:\n" + "\n".join(sorted(wrong))


def test_no_module_imports_itself_back():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    # A package's __init__ importing its own submodules is how it re-exports; only cycles between modules count.
    graph = {
        n: {t for t in targets if not n.startswith(t + ".") and not t.startswith(n + ".")}
        for n, targets in graph.items()
    }
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt) :] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_top_level_holds_the_public_faces_only():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= TOP_LEVEL_LIMIT, top


def test_no_module_is_too_long_to_read():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > LINE_LIMIT
    }
    assert not long, f"modules over {LINE_LIMIT} lines: {long}"


def test_private_modules_declare_nothing_public():
    declared = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if ("_engine" in p.parts or "search" in p.parts or ("records" in p.parts and p.name != "__init__.py"))
        and "\n__all__" in p.read_text()
    ]
    assert not declared, f"internal modules with __all__: {declared}"
