"""Read annotation files safely and remember the line of every mapping and key.

Every problem becomes one :class:`Problem` (``file:line: message``). What is read is
bounded before it can cost much: the file's size, UTF-8 text, nesting depth, and the number
of values once YAML aliases are expanded (a 371-byte "billion laughs" file would otherwise
expand to gigabytes). YAML merge keys (``<<: *defaults``) work.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.model.io.atomic import not_a_regular_file

#: Largest annotation file read (the shipped ones are under 30 kB).
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of mappings and lists, aliases expanded (the schema needs 5).
MAX_DEPTH = 24
#: Most values (scalars, mappings, lists) in a file once its aliases are expanded.
MAX_VALUES = 100_000
#: Most digits of an integer: a float holds up to 309, and Python refuses to read over 4,300
#: (a traceback); a longer integer is never a measure.
MAX_INT_DIGITS = 300
NUMBER_TOO_LONG = f"number too long (over {MAX_INT_DIGITS} digits)"
_INT_BOUND = 10**MAX_INT_DIGITS


@dataclass(frozen=True)
class Problem:
    """A problem in an annotation or data file, printed as ``file:line: message``."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:  # a problem with the file as a whole
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


class DocumentError(Exception):
    """A file that cannot be read as a document at all (the line where it went wrong)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Located:
    """A parsed mapping with the 1-based line of the mapping and of each of its keys."""

    value: dict[str, Any]
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: object) -> int:
        return self.key_lines.get(str(key), self.line)


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """The file's UTF-8 text; :class:`DocumentError` if it is not a regular file, too large or
    not UTF-8; ``OSError`` if it cannot be read."""
    path = Path(path)
    if kind := not_a_regular_file(path):
        raise DocumentError(0, f"not a regular file: it is {kind}")
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise DocumentError(0, f"file too large (over {limit:,} bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DocumentError(line, "not UTF-8 text") from None


try:  # libyaml's parser: the same events five times faster (0.19 s -> 0.04 s for the shipped files)
    from yaml._yaml import CParser as _EventParser
except ImportError:  # PyYAML built without libyaml

    class _EventParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class _LineLoader(
    yaml.composer.Composer, _EventParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver
):
    """A safe loader whose mappings come back as :class:`Located`, and that counts what it
    composes (depth, values with aliases expanded) as the events arrive, so a hostile file
    is refused before it is built. The events come from libyaml where PyYAML has it; the
    composing stays in Python (before the parser in this class' order) to be counted."""

    def __init__(self, stream: str):
        _EventParser.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._open: list[list[Any]] = []  # per open collection: [anchor, values, height below]
        self._closed: dict[str, tuple[int, int]] = {}  # anchor -> (values, height)
        self._values = 0

    def get_event(self) -> Any:
        event = super().get_event()
        if event is not None:
            self._account(event)
        return event

    def _refuse(self, event: yaml.Event, message: str) -> None:
        mark = event.start_mark
        raise DocumentError(mark.line + 1 if mark is not None else 0, message)

    def _add(self, event: yaml.Event, values: int, height: int) -> None:
        self._values += values
        if self._values > MAX_VALUES:
            self._refuse(event, f"too many values (over {MAX_VALUES:,} with aliases expanded)")
        if len(self._open) + height > MAX_DEPTH:
            self._refuse(event, f"nested too deeply (over {MAX_DEPTH} levels)")
        if self._open:
            self._open[-1][1] += values
            self._open[-1][2] = max(self._open[-1][2], height)

    def _account(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.ScalarEvent):
            self._add(event, 1, 1)
            if event.anchor:
                self._closed[event.anchor] = (1, 1)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(self._open) + 1 > MAX_DEPTH:
                self._refuse(event, f"nested too deeply (over {MAX_DEPTH} levels)")
            self._values += 1
            self._open.append([event.anchor, 1, 0])
        elif isinstance(event, yaml.CollectionEndEvent) and self._open:
            anchor, values, below = self._open.pop()
            if anchor:
                self._closed[anchor] = (values, below + 1)
            self._values -= values  # counted as they came; _add counts the whole again
            self._add(event, values, below + 1)
        elif isinstance(event, yaml.AliasEvent):
            if any(frame[0] == event.anchor for frame in self._open):
                self._refuse(event, f"alias *{event.anchor} refers to a value that contains it")
            values, height = self._closed.get(str(event.anchor), (1, 1))
            self._add(event, values, height)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Located:
    own = {id(key_node) for key_node, _ in node.value}
    loader.flatten_mapping(node)  # merge keys: the merged entries come first, own keys win
    value: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    own_keys: set[str] = set()
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        if id(key_node) in own:
            if key in own_keys:
                raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
            own_keys.add(key)
        value[key] = loader.construct_object(value_node, deep=True)
        key_lines[key] = key_node.start_mark.line + 1
    return Located(value, node.start_mark.line + 1, key_lines)


def _construct_int(loader: _LineLoader, node: yaml.ScalarNode) -> int:
    """An integer of at most :data:`MAX_INT_DIGITS` digits (a hexadecimal or base-60 one
    too); the text's length is bounded first, as base 60 costs quadratic time."""
    if len(node.value) <= MAX_INT_DIGITS:
        value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
        if abs(value) < _INT_BOUND:
            return value
    raise DocumentError(node.start_mark.line + 1, NUMBER_TOO_LONG)


_LineLoader.add_constructor(  # type: ignore[type-var]  # the stubs know only PyYAML's own loaders
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)  # type: ignore[type-var]


def load_located(path: Path) -> Any:
    """Parse ``path``; mappings are :class:`Located`.

    Raises :class:`DocumentError` (too large, not UTF-8, too deep, too many values),
    ``yaml.YAMLError`` with a mark, or ``OSError``."""
    loader = _LineLoader(read_text(path))
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def parse_json(text: str) -> Any:
    """JSON's value; :class:`DocumentError` with the line where it is not JSON, holds an
    integer over :data:`MAX_INT_DIGITS` digits, or nests deeper than Python can parse."""

    def integer(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_INT_DIGITS:
            raise DocumentError(text.count("\n", 0, text.find(digits)) + 1, NUMBER_TOO_LONG)
        return int(digits)

    try:
        return json.loads(text, parse_int=integer)
    except json.JSONDecodeError as exc:
        raise DocumentError(exc.lineno, f"invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise DocumentError(0, "invalid JSON: nested too deeply") from None


def read_document(path: Path) -> tuple[Any, list[Problem]]:
    """Parse an annotation file; every reason it cannot be read is one problem with a line."""
    path = Path(path)
    try:
        return load_located(path), []
    except OSError as exc:
        return None, [Problem(path, 0, f"cannot read file: {exc.strerror or exc}")]
    except DocumentError as exc:
        return None, [Problem(path, exc.line, exc.message)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [Problem(path, mark.line + 1 if mark else 0, _in_our_words(problem))]
    except RecursionError:  # a construct PyYAML recurses on that the counts did not catch
        return None, [Problem(path, 0, "invalid YAML: nested too deeply")]


#: A library's refusals that our own bounds also make, said as we say them: libyaml 0.2.5
#: (PyYAML 6.0.4's wheels) stops at 1000 levels of brackets before our count sees them.
_LIBRARY_WORDS = {"exceeded maximum nesting depth": f"nested too deeply (over {MAX_DEPTH} levels)"}


def _in_our_words(problem: str) -> str:
    """A YAML library's problem as this program words it (the library's wording may change)."""
    for theirs, ours in _LIBRARY_WORDS.items():
        if theirs in problem:
            return ours
    return f"invalid YAML: {problem}"


def read_mapping(path: Path, expected: str = "") -> tuple[Located | None, list[Problem]]:
    """Parse a file whose top level must be a mapping (with the key ``expected``, if given)."""
    path = Path(path)
    document, problems = read_document(path)
    if problems:
        return None, problems
    if not isinstance(document, Located):
        what = f"a mapping with '{expected}:'" if expected else "a mapping"
        return None, [Problem(path, 1, f"expected {what} at the top of the file")]
    if expected and expected not in document.value:
        hint = did_you_mean(expected, document.value, reverse=True)
        return None, [Problem(path, document.line, f"expected a mapping with '{expected}:'{hint}")]
    return document, []


def did_you_mean(word: str, choices: Iterable[object], reverse: bool = False) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to ``word``, or ``""``.

    With ``reverse``, ``word`` is the right spelling and the choice is the likely typo."""
    names = [str(c) for c in choices]
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if not close:
        return ""
    return f" (found '{close[0]}': a typo?)" if reverse else f" (did you mean '{close[0]}'?)"


def pydantic_problems(items: list[Any], fields: Iterable[str], prefix: str = "") -> list[tuple[tuple, str]]:
    """Pydantic's errors as (location, message), without the echoes of another error: the
    "missing" field that a misspelled key stands for, and a list "too short" because an item
    inside it failed."""
    names = list(fields)
    typos = {
        (item["loc"][:-1], hint)
        for item in items
        if item["type"] == "extra_forbidden" and item["loc"]
        for hint in difflib.get_close_matches(str(item["loc"][-1]), names, n=1, cutoff=0.6)
    }
    out = []
    for item in items:
        loc = tuple(item["loc"])
        if item["type"] == "missing" and loc and (loc[:-1], loc[-1]) in typos:
            continue
        if any(len(o["loc"]) > len(loc) and tuple(o["loc"][: len(loc)]) == loc for o in items):
            continue
        out.append((loc, pydantic_message(item, names, prefix)))
    return out


def pydantic_message(item: Any, fields: Iterable[str], prefix: str = "") -> str:
    """One pydantic error as a message: where, and what is wrong, with a spelling hint."""
    where = prefix + ".".join(one_line(p) for p in item["loc"])
    label = f"'{where}': " if where else ""
    if item["type"] == "extra_forbidden":
        return f"{label}unknown field{did_you_mean(str(item['loc'][-1]), fields)}"
    if item["type"] == "missing":
        return f"{label}missing required field"
    if item["type"] == "enum":
        return f"{label}must be one of {item.get('ctx', {}).get('expected', '')}"
    message = str(item["msg"]).removeprefix("Value error, ")
    return f"{label}{message}"


def one_line(name: object) -> str:
    """A name as a message shows it: a line break or control character in it escaped, so
    that every message is one line."""
    text = str(name)
    return text if text.isprintable() else repr(text)[1:-1]


def line_at(document: Located, loc: tuple) -> int:
    """The line of the deepest located mapping along a pydantic error location."""
    node: object = document
    line = document.line
    for key in loc:
        if isinstance(node, Located):
            line = node.line_of(key)
            node = node.value.get(str(key))
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
            if isinstance(node, Located):
                line = node.line
        else:
            break
    return line


def plain(value: Any) -> Any:
    """Strip :class:`Located` wrappers, recursively."""
    if isinstance(value, Located):
        return {k: plain(v) for k, v in value.value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
