"""A network is one folder: no code under porch/ outside porch/networks/<name>/ names an
installed network. Code is what runs: a string literal equal to a network's name
("mastodon") or its package's path ("porch.networks.mastodon..."), an import of that
package, or `porch.networks.<name>` spelt out; in templates, a quoted literal inside a tag
or a variable. Comments, docstrings and prose in templates may mention networks."""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

import porch

PORCH = Path(porch.__file__).resolve().parent
# Literals that happen to spell a network's name but mean something else.
NOT_A_NETWORK = {
    # a letter standing for a class of characters (Extended_Pictographic) while counting
    ("networks/counting.py", "x"),
}
# Not product code: benchmarks measure named networks (their archives, the local Bluesky
# peer) and drive the fake network's controls.
TOOLING = PORCH / "bench"
_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")
_COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)


def _networks() -> dict[str, str]:
    """name: package path, of the installed networks (settings.NETWORKS)."""
    return {import_string(f"{package}.NETWORK").name: package for package in settings.NETWORKS}


def _inside_a_network(path: Path, packages: dict[str, str]) -> bool:
    folders = [PORCH.parent.joinpath(*package.split(".")) for package in packages.values()]
    folders.append(TOOLING)
    return any(folder in path.parents for folder in folders) or "migrations" in path.parts


def _allowed(path: Path) -> set[str]:
    """settings.py lists the network packages and names the demo's network; the demo runs
    on that network (settings.DEMO_NETWORK) and may drive it, and no other."""
    demo = _package(settings.DEMO_NETWORK)
    if path == PORCH / "settings.py":
        return {*settings.NETWORKS, settings.DEMO_NETWORK}
    if path == PORCH / "demo.py":
        return {settings.DEMO_NETWORK, demo}
    return set()


def _package(name: str) -> str:
    return next(p for p in settings.NETWORKS if import_string(f"{p}.NETWORK").name == name)


def _names_a_network(text: str, networks: dict[str, str]) -> bool:
    if text in networks:
        return True
    return any(text == p or text.startswith(f"{p}.") for p in networks.values())


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _python_names(tree: ast.AST, docstrings: set[int]) -> Iterator[tuple[int, str]]:
    """(line, text) of every string literal and dotted name or import in the code."""
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield node.lineno, node.value
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Attribute) and id(node) not in inner:  # a whole a.b.c
            yield node.lineno, _dotted(node)


def _python(path: Path, networks: dict[str, str]) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    allowed = _allowed(path)
    for line, text in sorted(_python_names(tree, _docstrings(tree))):
        if _names_a_network(text, networks) and not _within(text, allowed):
            yield line, text


def _within(text: str, allowed: set[str]) -> bool:
    return any(text == a or text.startswith(f"{a}.") for a in allowed)


def _template(path: Path, networks: dict[str, str]) -> Iterator[tuple[int, str]]:
    source = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), path.read_text("utf-8"))
    for tag in _TAG.finditer(source):
        for quoted in _QUOTED.finditer(tag.group()):
            text = quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
            if _names_a_network(text, networks):
                yield source.count("\n", 0, tag.start()) + 1, text


def naming_networks() -> list[str]:
    """path:line: literal, for each place outside the networks' folders that names one."""
    networks = _networks()
    found = []
    for path in sorted([*PORCH.rglob("*.py"), *PORCH.rglob("*.html")]):
        if _inside_a_network(path, networks):
            continue
        read = _python if path.suffix == ".py" else _template
        relative = path.relative_to(PORCH).as_posix()
        for line, text in read(path, networks):
            if (relative, text) not in NOT_A_NETWORK:
                found.append(f"porch/{relative}:{line}: {text!r}")
    return found


def test_no_code_outside_a_networks_folder_names_a_network() -> None:
    found = naming_networks()
    assert not found, "ask the registry or the descriptor instead:\n" + "\n".join(found)


def test_the_check_finds_a_network_named_in_code_and_not_in_comments(tmp_path: Path) -> None:
    networks = {"mastodon": "porch.networks.mastodon"}
    code = tmp_path / "views.py"
    code.write_text(
        '"""Only Mastodon streams: "mastodon"."""\n'
        "# mastodon\n"
        "from porch.networks.mastodon.auth import login\n"
        'if account.network == "mastodon":\n'
        '    import_string("porch.networks.mastodon.client.MastodonClient")\n'
        'label = "Mastodon and mastodons"\n'
        "NETWORK = porch.networks.mastodon.NETWORK\n"
    )
    assert [line for line, _ in _python(code, networks)] == [3, 4, 5, 7]
    page = tmp_path / "page.html"
    page.write_text(
        "<p>Mastodon: 'mastodon'</p>{# {% if n == 'mastodon' %} #}\n"
        "{% if account.network == 'mastodon' %}{{ cost }}{% endif %}\n"
    )
    assert list(_template(page, networks)) == [(2, "mastodon")]
