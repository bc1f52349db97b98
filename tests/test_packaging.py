"""The wheel carries the bundled prompts, schemas and agent skill inside the package."""

import subprocess
import sys
import zipfile
from pathlib import Path

from support import ROOT


def test_wheel_ships_prompts_and_schemas_inside_the_package(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("specrun-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "specrun/prompts/tenantpilot.spec-candidates.md" in names
    assert "specrun/prompts/tenantpilot.spec-candidates.rules.toml" in names
    assert "specrun/agents/spec-candidates.SKILL.md" in names
    assert "specrun/schemas/spec-candidates.schema.json" in names
    assert "specrun/cli.py" in names
