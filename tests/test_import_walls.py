"""The walls between the parts (docs/architecture.md), checked over the import graph.

Read from the source with ``ast``, so every import counts: at the top, inside functions
(lazy imports), and under ``TYPE_CHECKING`` for the walls (a type-only import still couples
a part to another); the circle check leaves type-only imports out, as Python does.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = REPO_ROOT / "webmail"

IO_LIBRARIES = {
    "flask", "werkzeug", "imapclient", "imaplib", "sqlite3", "redis", "socket", "ssl", "smtplib",
}


@dataclass(frozen=True)
class Import:
    """One import statement's target.

    :ivar target: the module imported (for ``from a import b``: ``a.b`` when it is a module).
    :ivar names: the names taken by ``from ... import``.
    :ivar type_only: under ``if TYPE_CHECKING:``.
    """

    target: str
    names: tuple[str, ...]
    type_only: bool


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    base = REPO_ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imports(tree: ast.AST, type_only: bool = False) -> Iterator[Import]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                yield from _imports(ast.Module(body=[child], type_ignores=[]), True)
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]), type_only)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, (), type_only)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = tuple(a.name for a in node.names)
            if node.module.startswith("webmail"):
                for name in names:
                    sub = f"{node.module}.{name}"
                    yield Import(sub if is_module(sub) else node.module, (name,), type_only)
            else:
                yield Import(node.module, names, type_only)
        else:
            yield from _imports(node, type_only)


def graph() -> dict[str, list[Import]]:
    """Every module of the package and what it imports."""
    return {
        module_name(path): list(_imports(ast.parse(path.read_text(encoding="utf-8"))))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


GRAPH = graph()


def ours(imports: list[Import], *, runtime: bool = False) -> set[str]:
    return {
        i.target for i in imports if i.target.startswith("webmail") and not (runtime and i.type_only)
    }


def reach(start: str, *, runtime: bool = False) -> set[str]:
    """The package modules ``start`` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in ours(GRAPH.get(todo.pop(), []), runtime=runtime):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def in_part(module: str, part: str) -> bool:
    return module == part or module.startswith(part + ".")


def modules_of(part: str) -> list[str]:
    found = [m for m in GRAPH if in_part(m, part)]
    assert found, f"no modules in {part}"
    return found


def test_headers_imports_nothing_of_ours_but_itself() -> None:
    for module in modules_of("webmail.headers"):
        outside = {t for t in reach(module) if not in_part(t, "webmail.headers")}
        assert outside == set(), module


@pytest.mark.parametrize(
    ("part", "allowed"),
    [
        ("webmail.message", ("webmail.headers", "webmail.message")),
        ("webmail.render", ("webmail.headers", "webmail.message", "webmail.render")),
        ("webmail.compose", ("webmail.headers", "webmail.message", "webmail.compose")),
    ],
)
def test_pure_parts_reach_no_web_imap_or_database_code(part: str, allowed: tuple[str, ...]) -> None:
    for module in modules_of(part):
        reached = {module} | reach(module)
        assert all(any(in_part(m, a) for a in allowed) for m in reached), (module, reached)
        libraries = {
            i.target.split(".")[0] for m in reached for i in GRAPH[m]
        } & IO_LIBRARIES
        assert libraries == set(), (module, libraries)


def test_index_imports_no_imap_code() -> None:
    for module in modules_of("webmail.index"):
        reached = {module} | reach(module)
        assert not any(in_part(m, "webmail.mailbox") for m in reached), module
        libraries = {i.target.split(".")[0] for m in reached for i in GRAPH[m]}
        assert libraries.isdisjoint({"imapclient", "imaplib"}), module


IMAP_IMPLEMENTATION = (
    "webmail.mailbox.imap", "webmail.mailbox.connection", "webmail.mailbox.folders",
    "webmail.mailbox.fetching", "webmail.mailbox.changes", "webmail.mailbox.wire",
    "webmail.mailbox.sync", "webmail.mailbox.rawimap", "webmail.mailbox.refresh",
    "webmail.mailbox.filling", "webmail.mailbox.lease",
)
INDEX_BACKENDS = (*modules_of("webmail.index.sqlite"), *modules_of("webmail.index.redis"))


def test_views_import_no_imap_implementation_and_no_index_backend() -> None:
    services = ["webmail.listing", "webmail.delays", "webmail.search"]
    for module in modules_of("webmail.views") + services:
        direct = ours(GRAPH[module])
        assert direct.isdisjoint(IMAP_IMPLEMENTATION + INDEX_BACKENDS), (module, direct)
        libraries = {i.target.split(".")[0] for i in GRAPH[module]}
        assert libraries.isdisjoint({"imapclient", "imaplib", "sqlite3", "redis"}), module


def test_only_the_smtp_transport_imports_smtplib_and_views_reach_it_through_the_outbox() -> None:
    for module, imports in GRAPH.items():
        if "smtplib" in {i.target.split(".")[0] for i in imports}:
            assert module == "webmail.outbox.smtp", module
    for module in modules_of("webmail.views"):
        assert "webmail.outbox.smtp" not in ours(GRAPH[module]), module
    for module in modules_of("webmail.outbox"):  # no Flask: the outbox is a service
        libraries = {i.target.split(".")[0] for i in GRAPH[module]}
        assert libraries.isdisjoint({"flask", "werkzeug"}), module


def test_only_rawimap_touches_imapclient_privates() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        if module_name(path) == "webmail.mailbox.rawimap":
            continue
        text = path.read_text(encoding="utf-8")
        for private in ("._imap", "._checkok", "._proc_folder_list", "._simple_command"):
            assert private not in text, (module_name(path), private)


def test_no_private_name_is_imported_from_another_module() -> None:
    for module, imports in GRAPH.items():
        for i in imports:
            private = [n for n in i.names if n.startswith("_") and not n.startswith("__")]
            assert not (private and i.target != module), (module, i.target, private)


def test_there_is_no_import_circle() -> None:
    def visit(module: str, path: list[str]) -> None:
        for target in sorted(ours(GRAPH.get(module, []), runtime=True)):
            # A module importing its own package (or the package a submodule) is not a circle.
            if in_part(module, target) or in_part(target, module):
                continue
            assert target not in path, " -> ".join([*path, target])
            if target not in done:
                visit(target, [*path, target])
        done.add(module)

    done: set[str] = set()
    for module in GRAPH:
        if module not in done:
            visit(module, [module])
