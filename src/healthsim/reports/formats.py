"""The file formats of result tables: CSV always, and Parquet beside it when asked.

A run, comparison or sensitivity folder always holds its tables as CSV (the reports link
to them, and every tool reads them). With ``table_format="parquet"`` (``--format
parquet``) each table is also written as ``<name>.parquet`` beside its CSV, with the
same columns and rows and the values at full precision, in their types (pandas'
``read_parquet`` gives them back without parsing). Parquet needs pyarrow, installed with
the ``parquet`` extra (``pip install "healthsim[parquet]"``; ``./install.sh`` installs it).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

#: The table formats a command's ``--format`` accepts, the first the default.
FORMATS = ("csv", "parquet")

#: How to get pyarrow, for the message when it is missing.
INSTALL_HINT = 'pip install "healthsim[parquet]"'


class ParquetUnavailableError(ImportError):
    """Parquet output was asked for and pyarrow is not installed."""


def check_format(table_format: str) -> str:
    """``table_format`` if it can be written here.

    Raises:
        ValueError: not one of :data:`FORMATS`.
        ParquetUnavailableError: ``parquet`` without pyarrow (checked before anything runs).
    """
    if table_format not in FORMATS:
        raise ValueError(f"unknown table format {table_format!r}; use one of {', '.join(FORMATS)}")
    if table_format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ParquetUnavailableError(
                f"Parquet output needs pyarrow, which is not installed: {INSTALL_HINT}"
            ) from None
    return table_format


def parquet_name(csv_name: str) -> str:
    """``trusts.csv`` -> ``trusts.parquet``."""
    return str(Path(csv_name).with_suffix(".parquet"))


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as a Parquet file (no index; the same bytes for the same table)."""
    buffer = io.BytesIO()
    _plain(df).to_parquet(buffer, engine="pyarrow", index=False)
    return buffer.getvalue()


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` to ``path`` as Parquet (no index)."""
    Path(path).write_bytes(parquet_bytes(df))


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with each column of values of mixed types as text, which Parquet (one type
    a column) requires; CSV writes such columns as text too. Missing values stay missing."""
    mixed = [
        c
        for c in df.columns
        if df[c].dtype == object and len({type(v) for v in df[c] if not _missing(v)}) > 1
    ]
    if not mixed:
        return df
    out = df.copy()
    for c in mixed:
        out[c] = out[c].map(lambda v: None if _missing(v) else str(v))
    return out


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)
