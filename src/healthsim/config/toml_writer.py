"""Write scenario data as TOML (through tomli-w), with a header comment."""

from __future__ import annotations

from typing import Any

import tomli_w


def dumps(data: dict[str, Any], header: str = "") -> str:
    """TOML text for a mapping; ``header`` lines are written as comments first."""
    text = tomli_w.dumps(_drop_none(data), multiline_strings=False)
    if header:
        lines = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
        text = lines + "\n" + text
    return text


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_drop_none(v) for v in value]
    return value
