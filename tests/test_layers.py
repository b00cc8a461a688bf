"""The house's floor plan, checked: no import circle anywhere in alliance/, and imports go
downward only (web, api, cli → ops → production → review → manuscripts → people →
publishing → models → store → the foundation). Read from the source with ``ast``, lazy
imports inside functions included: a circle broken only by importing late is still one."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "alliance"

# Lower numbers sit lower. A module may import its own wing and any wing below it.
RANK = {
    "config": 0, "errors": 0, "names": 1, "store": 2, "extensions": 3, "models": 4,
    "migrations": 4, "publishing": 5, "people": 6, "manuscripts": 7, "review": 8,
    "production": 9, "ops": 10, "demo": 11, "api": 12, "web": 13, "cli": 13, "": 14,
}
# The app factory (alliance/__init__.py) wires every wing together; only entry points that
# must build an app import it: the command line, the git hooks git runs, the RQ worker's job.
MAY_BUILD_THE_APP = {"alliance.cli", "alliance.cli.gunicorn_app", "alliance.ops.githooks",
                     "alliance.production.jobs"}


def _modules():
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name, path, modules):
    """Yield every alliance module ``name`` imports (``from x import y``: x, and x.y if a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            submodules = [f"{target}.{a.name}" for a in node.names]
            # ``from package import submodule`` needs the submodule, not what the package defines.
            names_only_modules = all(m in modules for m in submodules)
            targets = submodules + ([] if names_only_modules else [target])
        else:
            continue
        for target in targets:
            if target in modules and target != name:
                yield target


def _graph():
    modules = _modules()
    return {name: set(_imports(name, path, modules)) for name, path in modules.items()}


def _wing(name):
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_import_circle_anywhere():
    graph = _graph()
    graph = {n: {t for t in targets if t != "alliance"} for n, targets in graph.items()
             if n != "alliance"}
    circles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                circles.append(trail[trail.index(target):] + [target])
            elif target not in state:
                visit(target, trail + [target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert circles == [], "\n".join(" -> ".join(c) for c in circles)


def test_imports_go_downward_only():
    wrong = []
    for name, targets in _graph().items():
        for target in targets:
            if target == "alliance":
                if name not in MAY_BUILD_THE_APP:
                    wrong.append(f"{name} -> the app factory")
                continue
            here, there = _wing(name), _wing(target)
            if here != there and RANK[there] >= RANK[here]:
                wrong.append(f"{name} -> {target}")
    assert wrong == [], "\n".join(sorted(wrong))


def test_every_wing_says_what_it_owns_and_what_it_may_import():
    for wing in ("manuscripts", "review", "production", "people", "ops", "cli"):
        init = PACKAGE / wing / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "import" in doc, wing


def test_services_never_touch_the_request():
    for wing in ("manuscripts", "review", "production", "people", "ops", "publishing", "store"):
        for path in (PACKAGE / wing).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "flask":
                    names = {a.name for a in node.names}
                    assert not names & {"request", "session", "g", "abort", "redirect"}, path
