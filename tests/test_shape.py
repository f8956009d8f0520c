"""The shape of the code, checked like behaviour: lint, types, layers, file sizes."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MAX_LINES = 400


def run(tool: str, *args: str) -> subprocess.CompletedProcess:
    exe = BIN / tool
    if not exe.exists():
        pytest.fail(f"{tool} is not installed in the test environment (./dev installs it)")
    return subprocess.run([str(exe), *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_is_clean():
    out = run("ruff", "check", "tui", "tests", "bench")
    assert out.returncode == 0, out.stdout[-3000:]


def test_mypy_is_clean():
    out = run("mypy")
    assert out.returncode == 0, out.stdout[-3000:]


def test_layers_and_textual_stay_where_they_belong():
    out = run("lint-imports")
    assert out.returncode == 0 and "0 broken" in out.stdout, out.stdout[-3000:]


def test_no_module_is_over_400_lines_without_saying_why():
    too_long = []
    for path in sorted((ROOT / "tui").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > MAX_LINES:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            if "kept as one file because" not in doc.lower():
                too_long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert not too_long, too_long
