"""The review app's modules, one per area of the domain, import each other in one direction only, so a
reader (and Python) can take them bottom up: types and reads, then consensus, gold, the queue, answers."""

import ast
from pathlib import Path

import review

REVIEW = Path(review.__file__).parent


def _review_imports(path: Path) -> set[str]:
    """The review modules a module imports (at any depth: imports inside functions count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "review":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("review."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("review."))
    return found


def _graph() -> dict[str, set[str]]:
    modules = {path.stem: path for path in REVIEW.glob("*.py")}
    return {name: _review_imports(path) & modules.keys() - {name} for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state, stack = [], {}, []

    def visit(name: str) -> None:
        state[name] = "open"
        stack.append(name)
        for other in sorted(graph[name]):
            if state.get(other) == "open":
                cycles.append([*stack[stack.index(other) :], other])
            elif other not in state:
                visit(other)
        stack.pop()
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name)
    return cycles


def test_the_review_modules_import_each_other_without_a_circle():
    assert _cycles(_graph()) == []


def test_the_areas_sit_on_the_shared_types_and_reads_not_on_each_other_upwards():
    graph = _graph()
    # The floor: what every area may use, and which uses no area.
    for floor in ("types", "selectors", "credit"):
        assert not graph[floor] & {"screening", "queue", "answers", "gold", "consensus"}, floor
    # The decisions never reach back into the paths that lead to them.
    assert not graph["consensus"] & {"screening", "queue", "answers", "gold"}
    assert not graph["gold"] & {"queue", "answers"}
    assert not graph["queue"] & {"answers", "gold", "screening"}


def test_a_circle_is_found_when_there_is_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]
