"""The house reads bottom-up: no module-level import circles among the app's modules
(tenancy < permissions < contracts < billing < invoices < demo)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "config",
    "tenancy",
    "permissions",
    "contracts",
    "billing",
    "invoices",
    "compliance",
    "waivers",
    "payments",
    "demo",
)


def _modules():
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _imports(name, path, modules):
    """The app modules `name` imports at module level (imports inside functions are late)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([node.module] if node.module else [])])
            candidates = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found |= {c for c in candidates if c in modules and c != name}
    return found


def test_no_module_level_import_circles():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    circles = []
    state = dict.fromkeys(graph, 0)  # 0 unseen, 1 on the path, 2 done

    def visit(name, path):
        state[name] = 1
        for neighbour in sorted(graph[name]):
            if state[neighbour] == 1:
                circles.append(" -> ".join([*path[path.index(neighbour) :], neighbour]))
            elif state[neighbour] == 0:
                visit(neighbour, [*path, neighbour])
        state[name] = 2

    for name in sorted(graph):
        if state[name] == 0:
            visit(name, [name])
    assert not circles, circles


# The layers, bottom-up (docs/tenancy.md): an app may import its own and those below.
# compliance and waivers are siblings above invoices: neither imports the other.
LAYERS = (
    "tenancy",
    "permissions",
    "contracts",
    "billing",
    "invoices",
    "compliance",
    "waivers",
    "payments",
    "demo",
)
DOMAIN = LAYERS[1:]
# The top layer of every app: pages may use any app's checks and forms.
TOP = {"views.py", "email_views.py", "urls.py"}


def _every_import(path):
    """The absolute names of the modules a file imports anywhere: at module level and
    inside functions alike (the layers hold at any depth)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            yield node.module


def _app_files(app):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _is_top(path):
    return path.name in TOP or "templatetags" in path.parts


def test_the_kernel_imports_no_domain_app():
    """tenancy's models, services, selectors, middleware, tasks… know nothing of
    permissions, contracts, billing, invoices or the demo, not even inside a function."""
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _app_files("tenancy")
        if not _is_top(path)
        for name in _every_import(path)
        if name.split(".")[0] in DOMAIN
    ]
    assert not found, found


def test_no_app_imports_an_app_above_it():
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for app in LAYERS
        for path in _app_files(app)
        if not _is_top(path)
        for name in _every_import(path)
        if name.split(".")[0] in LAYERS[LAYERS.index(app) + 1 :]
    ]
    assert not found, found
