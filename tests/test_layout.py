"""The house plan holds: no import cycle inside ``renderer/``, GL only in the GL-side
packages, one copy of the ellipsoid, no module grown past a readable size.

The import graph is read from the source with ``ast`` (not by importing), so a cycle
that Python would tolerate at run time by luck of order still fails here.  For cycles
every import counts, those inside functions and under ``if TYPE_CHECKING:`` too: a
module that needs the scene's types for its annotations depends on the scene, and the
scene must then not depend on it.  For GL, only imports that run count.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "renderer"

# Packages and modules that may draw: they alone may import moderngl or glfw.
GL_SIDE = ("renderer.gl", "renderer.passes", "renderer.preview", "renderer.output.frames")
# What must stay importable without any GL library: the scene, the geometry, the physics,
# the timeline and the writer (a GPU-less farm node validates and plans with these).
GL_FREE = (
    "renderer.scene",
    "renderer.astro",
    "renderer.physics",
    "renderer.timeline",
    "renderer.frame_state",
    "renderer.output.codecs",
    "renderer.output.ffmpeg",
    "renderer.output.writer",
    "renderer.errors",
    "renderer.assets",
)
MAX_MODULE_LINES = 700


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, package: str, *, annotations: bool) -> list[str]:
    """Every module name an ``import`` could load; TYPE_CHECKING blocks only if asked."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if not annotations and isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append(base)
            found.extend(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _runtime_imports(tree: ast.AST, package: str) -> list[str]:
    """Every module name an ``import`` that runs could load (TYPE_CHECKING blocks left out)."""
    return _imports(tree, package, annotations=False)


def _graph() -> dict[str, set[str]]:
    """Module -> the renderer modules it loads, parent packages included (importing
    ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__`` first)."""
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        is_pkg = path.name == "__init__.py"
        package = name if is_pkg else name.rpartition(".")[0]
        edges: set[str] = set()
        for target in _imports(ast.parse(path.read_text()), package, annotations=True):
            parts = target.split(".")
            for k in range(1, len(parts) + 1):
                prefix = ".".join(parts[:k])
                if prefix in MODULES and prefix != name and not name.startswith(prefix + "."):
                    edges.add(prefix)
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), or self-loops."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                out.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_the_packages_it_should():
    graph = _graph()
    assert "renderer.scene.schema" in graph["renderer.scene.sections"]
    # Importing a submodule runs its package's __init__ first.
    assert "renderer.physics" in graph["renderer.passes.earth"]


def test_no_import_cycle_inside_renderer():
    cycles = _cycles(_graph())
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_schema_imports_nothing_else_from_renderer():
    tree = ast.parse(MODULES["renderer.scene.schema"].read_text())
    inside = [m for m in _runtime_imports(tree, "renderer.scene") if m.startswith("renderer")]
    assert inside == []


def _in(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_gl_libraries_only_in_gl_side_packages():
    offenders = []
    for name, path in MODULES.items():
        if _in(name, GL_SIDE):
            continue
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for target in _runtime_imports(ast.parse(path.read_text()), package):
            if target.split(".")[0] in ("moderngl", "glfw", "glcontext"):
                offenders.append(f"{name} imports {target}")
    assert not offenders, offenders


def test_gl_free_packages_load_no_gl_library():
    # Transitively, as Python really loads them: a GL-free module importing a GL-side one
    # would pull moderngl in through the back door.
    names = sorted(n for n in MODULES if _in(n, GL_FREE))
    code = (
        "import importlib, sys\n"
        f"for n in {names!r}:\n"
        "    importlib.import_module(n)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('moderngl', 'glfw', "
        "'glcontext'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"GL libraries loaded: {done.stdout.strip()}"


def _numeric_literals(path: Path) -> set[float]:
    return {
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, float)
    }


@pytest.mark.parametrize(
    ("value", "home"),
    [
        (6378.137, "renderer.astro.constants"),  # the WGS84 semi-major axis
        (398600.4418, "renderer.astro.constants"),  # GM
        (149_597_870.7, "renderer.astro.constants"),  # the astronomical unit
        (0.2126, "renderer.physics.colour"),  # Rec. 709 luminance
        (3.2404542, "renderer.physics.colour"),  # XYZ -> sRGB
        (1.056, "renderer.physics.colour"),  # the CIE 1931 fit's first lobe
    ],
)
def test_each_constant_is_written_in_one_module(value, home):
    holders = sorted(n for n, p in MODULES.items() if value in _numeric_literals(p))
    assert holders == [home]


def test_no_module_is_too_long():
    long = {n: len(p.read_text().splitlines()) for n, p in MODULES.items()}
    over = {n: lines for n, lines in long.items() if lines > MAX_MODULE_LINES}
    assert not over, over
