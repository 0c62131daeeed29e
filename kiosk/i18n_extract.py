"""Finding the tenant-facing texts in the sources, for the gettext catalogues.

`extract_kv` is a Babel extractor for Kivy language files (babel.cfg names it): it finds the
literal first argument of `app.tr("...", app.language)` calls and the literal values of
msgid-like properties (`msgid: "..."`, a FormField's `label:` and `hint:`), which the widget
translates itself. A KV value is a Python expression, so its strings are read with `ast`:
"\\u00a0" becomes a no-break space exactly as it does when Kivy runs the KV.

`source_messages()` runs the same extraction as `make locales` (Python files and KV files
through babel.cfg) in-process, for the translation test. Plain Python: no Kivy here.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAPPING_FILE = ROOT / "babel.cfg"
# The functions whose first argument is a msgid, in .py and .kv alike (the Makefile passes the
# same list to `pybabel extract -k`). Babel adds its defaults (`_`, `gettext`, `N_`...).
KEYWORDS = ("N_", "tr", "translate")
# KV properties whose literal value is a msgid (babel.cfg may override: `properties = ...`).
DEFAULT_PROPERTIES = ("msgid", "label", "hint")
# Properties whose empty value opens graphics instructions, not a multi-line Python value.
_CANVAS = ("canvas", "canvas.before", "canvas.after")


def kv_values(text: str) -> Iterator[tuple[int, str, str]]:
    """(line number, property name, Python source of its value) for every property of a KV
    file, grouped the way Kivy's parser groups them: comment and blank lines dropped, and a
    property with nothing after its colon takes the more indented lines below it."""
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.strip().startswith("#")]
    index = 0
    while index < len(lines):
        number, line = lines[index]
        index += 1
        content = line.strip()
        name, colon, value = content.partition(":")
        name = name.strip().lstrip("-")
        if not colon or not _is_property_name(name):
            continue
        value = value.strip()
        if value:
            yield number, name, value
            continue
        if name in _CANVAS:
            continue      # graphics instructions follow: read line by line
        depth = _indent(line)
        block = []
        while index < len(lines) and _indent(lines[index][1]) > depth:
            block.append(lines[index])
            index += 1
        source = "\n".join(part.strip() for _, part in block)
        if block and _parses(source):
            yield number + 1, name, source   # ast line 1 is the block's first line
        else:
            # Not one Python value (nested widgets under a property?): read line by line.
            yield from _relocated(block)


def _relocated(block: list[tuple[int, str]]) -> Iterator[tuple[int, str, str]]:
    """kv_values of some lines of a file, with their own line numbers."""
    numbers = [number for number, _ in block]
    for position, name, value in kv_values("\n".join(line for _, line in block)):
        yield numbers[position - 1], name, value


def _indent(line: str) -> int:
    stripped = line.lstrip(" \t")
    return len(line[:len(line) - len(stripped)].replace("\t", "    "))


def _is_property_name(name: str) -> bool:
    """A property starts with a lower-case letter or "_"; a class or a rule (<Rule>:) does not."""
    return bool(name) and (name[0].islower() or name[0] == "_") and all(
        char.isalnum() or char in "_." for char in name)


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


def messages_in_value(source: str, keywords: Collection[str], properties=(), name: str = ""
                      ) -> Iterator[tuple[int, str, str]]:
    """(line within the value, function or property name, msgid) in one KV value: the literal
    first argument of a call to one of `keywords`, or the literal value of a property."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    if name in properties and len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
        node = tree.body[0].value
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
            yield node.lineno, name, node.value
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        called = (function.id if isinstance(function, ast.Name)
                  else function.attr if isinstance(function, ast.Attribute) else None)
        if called not in keywords:
            continue
        argument = node.args[0] if node.args else None
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str) \
                and argument.value:
            yield node.lineno, called, argument.value


def extract_kv(fileobj, keywords, comment_tags, options):
    """Babel extraction method for .kv files: yields (lineno, funcname, message, comments)."""
    encoding = options.get("encoding", "utf-8")
    text = fileobj.read().decode(encoding)
    properties = tuple(options.get("properties", "").split()) or DEFAULT_PROPERTIES
    for number, name, source in kv_values(text):
        for line, called, message in messages_in_value(source, keywords, properties, name):
            # Babel reads a keyword's argument spec by funcname; a property has none.
            yield number + line - 1, called if called in keywords else None, message, []


def source_messages(root: Path = ROOT) -> dict[str, list[tuple[str, int]]]:
    """Every msgid the sources use, with where: what `make locales` puts in kiosk.pot."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with open(MAPPING_FILE, encoding="utf-8") as mapping:
        method_map, options_map = parse_mapping_cfg(mapping, str(MAPPING_FILE))
    keywords = {**DEFAULT_KEYWORDS, **{keyword: None for keyword in KEYWORDS}}
    found: dict[str, list[tuple[str, int]]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(root), method_map, options_map, keywords=keywords):
        if isinstance(message, tuple):   # a plural form: its singular is the msgid
            message = message[0]
        if message:
            found.setdefault(message, []).append((filename, lineno))
    return found
