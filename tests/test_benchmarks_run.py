"""The benchmarks still run (issue figures come from them): each at its smoke size, in its
own process and database, ending with its ``ratio=`` line. No timing is asserted — the
figures are the benchmarks' business (README, docs/benchmarks.md). A change of the
platform's rules broke a benchmark's set-up once (subject accounts lost their
administrator-set passwords) and nothing noticed; this is what notices."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

# They make their own SQLite databases whatever the suite runs on: once is enough.
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("XINYONG_TEST_DATABASE_URL")),
    reason="the benchmarks use their own SQLite files; run in the SQLite pass",
)


@pytest.mark.parametrize("script", ["ingest.py", "report.py", "joint_check.py", "search.py"])
def test_the_benchmark_runs_at_its_smoke_size(script: str, tmp_path: Path) -> None:
    env = {**os.environ, "XINYONG_DATA_DIR": str(tmp_path)}
    env.pop("XINYONG_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.fullmatch(r"ratio=\d+\.\d+", done.stdout.strip().splitlines()[-1]), done.stdout
    if script == "report.py":
        # The PDF too, against its baseline in the same run, not against a second.
        assert re.search(r"^PDF ratio=\d+\.\d+$", done.stdout, re.MULTILINE), done.stdout
