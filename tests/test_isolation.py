"""The suite's own guard: tests run in a temporary home, and a write to the real one is caught."""

import os
import tempfile
from pathlib import Path

from isolation import ISOLATED, footprint, watched, written
from support import EXAMPLE, ROOT, Invoke


def test_every_test_runs_in_a_temporary_home() -> None:
    scratch = Path(tempfile.gettempdir()).resolve()
    for name in ISOLATED:
        assert Path(os.environ[name]).resolve().is_relative_to(scratch), name


def test_a_replayed_run_writes_its_record_inside_the_temporary_home(invoke: Invoke) -> None:
    runs = Path(os.environ["SPECRUN_RUNS_DIR"])
    before = footprint([runs])
    cassette = ROOT / "cassettes" / "anthropic-single.yaml"
    result = invoke("run", "--repo", EXAMPLE, "--cassette", cassette)
    assert result.exit_code == 0, result.stderr
    assert written(before, footprint([runs]))


def test_the_guard_sees_a_file_written_under_a_watched_home(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path)}
    places = watched(environ)
    before = footprint(places)
    record = tmp_path / ".local" / "state" / "specrun" / "runs" / "run.json"
    record.parent.mkdir(parents=True)
    record.write_text("{}", encoding="utf-8")
    assert written(before, footprint(places)) == [str(record)]
