"""Imports run one way: the contracts of [tool.importlinter] in pyproject.toml (the
package's layers, no import cycles inside any package, nothing importing the top-level
package) hold. The failure message is import-linter's report, naming each import at
fault."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    assert lint_imports.is_file(), (
        f"import-linter is not installed beside {sys.executable}: ./install.sh --dev"
    )
    proc = subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"import contracts broken:\n{proc.stdout}{proc.stderr}"
