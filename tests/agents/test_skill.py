"""``specrun skill``: the skill file Codex and Claude Code read, written only where it may be."""

from pathlib import Path

import pytest
import yaml
from support import Invoke

CODEX = Path(".agents/skills/spec-candidates/SKILL.md")
CLAUDE = Path(".claude/skills/spec-candidates/SKILL.md")


def front_matter(path: Path) -> dict[str, str]:
    _, header, _ = path.read_text(encoding="utf-8").split("---\n", 2)
    loaded: dict[str, str] = yaml.safe_load(header)
    return loaded


def test_both_agents_get_a_skill_named_after_its_folder(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("skill", "--repo", tmp_path)
    assert result.exit_code == 0, result.stderr
    for relative in (CODEX, CLAUDE):
        header = front_matter(tmp_path / relative)
        assert header["name"] == relative.parent.name
        assert 0 < len(header["description"]) <= 1024
        assert f"wrote {tmp_path / relative}" in result.stdout


def test_the_skill_has_the_agent_check_its_own_answer(tmp_path: Path, invoke: Invoke) -> None:
    invoke("skill", "--repo", tmp_path, "--agent", "codex")
    text = (tmp_path / CODEX).read_text(encoding="utf-8")
    for step in ("specrun context --full", "specrun check", "--json", "--judge", "specrun run"):
        assert step in text
    assert not (tmp_path / CLAUDE).exists()


def test_an_existing_skill_is_kept_without_force(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / CLAUDE).parent.mkdir(parents=True)
    (tmp_path / CLAUDE).write_text("mine", encoding="utf-8")
    result = invoke("skill", "--repo", tmp_path)
    assert result.exit_code == 2
    assert "already exists; pass --force" in result.stderr
    assert (tmp_path / CLAUDE).read_text(encoding="utf-8") == "mine"
    assert not (tmp_path / CODEX).exists(), "nothing is written when one destination is refused"
    assert invoke("skill", "--repo", tmp_path, "--force").exit_code == 0
    assert front_matter(tmp_path / CLAUDE)["name"] == "spec-candidates"


def test_a_skill_folder_linked_outside_the_repository_is_refused(
    invoke: Invoke, tmp_path: Path
) -> None:
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    repo.mkdir()
    elsewhere.mkdir()
    (repo / ".claude").symlink_to(elsewhere)
    result = invoke("skill", "--repo", repo, "--agent", "claude")
    assert result.exit_code == 2
    assert "resolves outside the repository" in result.stderr
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [(("--agent", "cursor"), "cursor"), (("--repo", "absent-dir"), "does not exist")],
)
def test_bad_input_is_exit_2(
    invoke: Invoke, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = invoke("skill", *[str(tmp_path / a) if a == "absent-dir" else a for a in args])
    assert result.exit_code == 2
    assert message in result.stderr
