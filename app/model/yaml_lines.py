"""Load YAML and remember the line of every mapping and key, for ``file:line: message`` errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass
class Located:
    """A parsed mapping with the 1-based line of the mapping and of each of its keys."""

    value: dict[str, Any]
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: object) -> int:
        return self.key_lines.get(str(key), self.line)


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings come back as :class:`Located`."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Located:
    value: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if str(key) in key_lines:
            raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
        value[str(key)] = loader.construct_object(value_node, deep=True)
        key_lines[str(key)] = key_node.start_mark.line + 1
    return Located(value, node.start_mark.line + 1, key_lines)


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def load_located(path: Path) -> Any:
    """Parse ``path``; mappings are :class:`Located`. Raises ``yaml.YAMLError`` with a mark."""
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_LineLoader)


def plain(value: Any) -> Any:
    """Strip :class:`Located` wrappers, recursively."""
    if isinstance(value, Located):
        return {k: plain(v) for k, v in value.value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
