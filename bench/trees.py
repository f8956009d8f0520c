"""What the benches share to measure another checkout beside this one, and a cold disk.

A bench run with --baseline runs itself again with the baseline's interpreter and `--tree
<baseline>` (the script puts that tree first on sys.path), and reads the JSON it prints last.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def tree_of_this_run(root: Path) -> Path:
    """The checkout whose code a bench imports: --tree's, or the bench's own."""
    return Path(sys.argv[sys.argv.index("--tree") + 1]) if "--tree" in sys.argv else root


def drop_page_cache() -> None:
    """Every later read from the disk, as after a boot (needs root)."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def json_from_tree(script: str, tree: Path, args: list[str]) -> dict:
    """`script` run by `tree`'s interpreter on `tree`'s code; the JSON of its last line."""
    run = subprocess.run([str(tree / ".venv/bin/python"), str(Path(script).resolve()), "--tree", str(tree), *args],
                         capture_output=True, text=True, cwd=tree)
    if run.returncode:
        raise SystemExit(f"{tree}: {run.stderr.strip()[-2000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])
