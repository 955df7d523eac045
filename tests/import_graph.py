"""Which of our modules import which, read from the source with `ast` (nothing is imported).

Every import statement counts, wherever it is: at module level, inside a function (a lazy
import still ties the two modules together, it only defers the failure) and under
`if TYPE_CHECKING:` (a cycle hidden from the interpreter is still two modules each needing
the other). Imports of anything outside the packages read are left out.

Packages follow Python's import system:
- `from pkg import name` imports the submodule `pkg.name` when there is one, else it needs
  `name` from `pkg/__init__.py`: an import of `pkg`.
- Importing `a.b.c` runs `a/__init__.py` and `a/b/__init__.py` first, so it is also an import
  of those packages (`implicit`), except of the importer's own enclosing packages: they have
  begun running before any of their submodules can, and a submodule that only reaches a
  sibling through them needs nothing of theirs. A package whose `__init__` imports a
  submodule is thus in a cycle only if that submodule, or a module it imports, asks for a name
  from the `__init__` (or imports a module that does).
"""

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Import:
    """`importer` imports `imported` on `line` of its file."""

    importer: str
    imported: str
    line: int
    kind: str  # "module level", "lazy" or "type checking"
    # A package Python runs on the way to the submodule named on that line.
    implicit: bool = False


@dataclass(frozen=True)
class ImportGraph:
    files: dict[str, Path]  # module name → its source file
    imports: list[Import]

    def imported_by(self, module: str) -> set[str]:
        return {i.imported for i in self.imports if i.importer == module}


def import_graph(root: Path, packages: Iterable[str]) -> ImportGraph:
    """The imports between the modules of `packages`, directories of `root`."""
    files = {
        _module_name(path.relative_to(root)): path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
    }
    imports = [
        found
        for module, path in files.items()
        for found in _imports_of(module, path.name == "__init__.py", path, set(files))
    ]
    return ImportGraph(files=files, imports=imports)


def cycles(graph: ImportGraph) -> list[list[str]]:
    """Every set of modules that import each other, directly or not (the strongly connected
    components of more than one module), and every module that imports itself; sorted."""
    edges = {module: graph.imported_by(module) for module in graph.files}
    found = [
        sorted(component)
        for component in _strongly_connected(edges)
        if len(component) > 1 or component[0] in edges[component[0]]
    ]
    return sorted(found)


def _module_name(relative: Path) -> str:
    parts = relative.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_of(module: str, is_package: bool, path: Path, known: set[str]) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    # What a relative import is relative to: the package itself for an __init__.
    package = module if is_package else module.rpartition(".")[0]
    for node, kind in _import_statements(tree.body, "module level"):
        if isinstance(node, ast.Import):
            targets = [_known_prefix(alias.name, known) for alias in node.names]
        else:
            base = _absolute(node, package)
            targets = [
                f"{base}.{alias.name}"
                if f"{base}.{alias.name}" in known
                else _known_prefix(base, known)
                for alias in node.names
            ]
        for target in dict.fromkeys(t for t in targets if t is not None):
            yield Import(module, target, node.lineno, kind)
            for ancestor in _ancestors(target):
                if ancestor in known and ancestor not in _ancestors(module) and ancestor != module:
                    yield Import(module, ancestor, node.lineno, kind, implicit=True)


def _import_statements(
    nodes: Iterable[ast.AST], kind: str
) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, kind
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _import_statements(node.body, "type checking")
            yield from _import_statements(node.orelse, kind)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and kind == "module level":
            yield from _import_statements(ast.iter_child_nodes(node), "lazy")
        else:
            yield from _import_statements(ast.iter_child_nodes(node), kind)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _absolute(node: ast.ImportFrom, package: str) -> str:
    """The module a `from … import` names, relative ones resolved as Python does."""
    if node.level == 0:
        return node.module or ""
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - (node.level - 1)])
    return f"{base}.{node.module}" if node.module else base


def _known_prefix(name: str, known: set[str]) -> str | None:
    """The longest prefix of a dotted `name` that is one of our modules (`import a.b.c` where
    `c` is a name in `a.b`), or None for a module that is not ours."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in known:
            return ".".join(parts[:end])
    return None


def _ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def _strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit to mind)."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = lowlink[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = lowlink[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(edges.get(successor, ())))))
                    break
                if successor in on_stack:
                    lowlink[node] = min(lowlink[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    lowlink[parent] = min(lowlink[parent], lowlink[node])
                if lowlink[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
    return components
