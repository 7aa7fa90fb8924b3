"""The operator CLI run as the operator runs it: a process, JSON on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any


def run_cli_json(env: dict[str, str], *args: str) -> Any:
    """``kmo2informer ARGS`` with ``env`` over this process's environment; asserts it
    succeeded and returns its JSON output."""
    result = subprocess.run(
        [sys.executable, "-m", "common.cli", *args],
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
