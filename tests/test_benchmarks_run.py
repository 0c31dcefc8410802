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


# Each at the smallest size that still runs every part of it: whether it runs is the
# question here, not its figures, and at ``--quick`` the four took 90 s of the suite.
# ``ingest.py --quick`` is the issue's own smoke size, kept as it is.
SMOKE = {
    "ingest.py": ["--quick"],
    "report.py": ["--records", "4000", "--subjects", "800", "--runs", "5", "--pdf-rounds", "1"],
    "joint_check.py": ["--quick", "--rounds", "1"],
    "search.py": ["--organisations", "1000", "--runs", "2"],
}


@pytest.mark.parametrize("script", sorted(SMOKE))
def test_the_benchmark_runs_at_its_smoke_size(script: str, tmp_path: Path) -> None:
    env = {**os.environ, "XINYONG_DATA_DIR": str(tmp_path)}
    env.pop("XINYONG_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *SMOKE[script]],
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
