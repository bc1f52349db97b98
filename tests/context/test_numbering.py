import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import Invoke, git

from specrun.context.numbering import gather_numbering_evidence
from specrun.errors import InputError


def test_plain_directory_is_uncertain_with_numbers_from_specs(example_repo: Path) -> None:
    evidence = gather_numbering_evidence(example_repo)
    assert evidence.status == "uncertain"
    assert evidence.in_use == (110, 111, 134, 138)
    assert evidence.available == ()
    assert "not a git work tree" in evidence.reason


def test_local_branches_count_but_do_not_prove(git_repo: Path) -> None:
    git(git_repo, "branch", "141-local-experiment")
    evidence = gather_numbering_evidence(git_repo)
    assert evidence.status == "uncertain"
    assert 141 in evidence.in_use
    assert "remote-tracking" in evidence.reason


def test_remote_tracking_branches_prove_the_next_four(git_repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(git_repo, "init", "-q", "--bare", str(remote))
    git(git_repo, "remote", "add", "origin", str(remote))
    git(git_repo, "branch", "139-in-flight-elsewhere")
    git(git_repo, "push", "-q", "origin", "main", "139-in-flight-elsewhere")
    git(git_repo, "branch", "-D", "139-in-flight-elsewhere")
    git(git_repo, "remote", "set-head", "origin", "main")
    evidence = gather_numbering_evidence(git_repo)
    assert evidence.status == "proven"
    assert evidence.in_use == (110, 111, 134, 138, 139)
    assert evidence.available == (140, 141, 142, 143)


def test_repository_nested_in_another_work_tree_is_not_its_own_root(git_repo: Path) -> None:
    nested = git_repo / "vendor" / "inner"
    (nested / "specs" / "200-inner").mkdir(parents=True)
    evidence = gather_numbering_evidence(nested)
    assert evidence.status == "uncertain"
    assert evidence.in_use == (200,)


def test_non_spec_directories_and_files_are_ignored(example_repo: Path) -> None:
    (example_repo / "specs" / "templates").mkdir()
    (example_repo / "specs" / "150-notes.md").write_text("not a directory")
    assert gather_numbering_evidence(example_repo).in_use == (110, 111, 134, 138)


def test_an_unreadable_specs_directory_is_one_clear_error(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated: root lists directories whatever their mode."""
    specs = example_repo / "specs"
    real_iterdir = Path.iterdir

    def denying(path: Path) -> Iterator[Path]:
        if path == specs:
            raise PermissionError(13, "Permission denied", str(path))
        return real_iterdir(path)

    monkeypatch.setattr(Path, "iterdir", denying)
    with pytest.raises(InputError) as caught:
        gather_numbering_evidence(example_repo)
    assert str(caught.value) == (
        f"cannot read the spec directory {specs} (Permission denied); "
        "make it readable, since the numbering evidence comes from it"
    )


def push_and_forget(repo: Path, remote: Path, *branches: str) -> None:
    """Branches that exist only on the remote, seen here as remote-tracking branches."""
    git(repo, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    for branch in branches:
        git(repo, "branch", branch)
    git(repo, "push", "-q", "origin", "main", *branches)
    git(repo, "branch", "-D", *branches)


def test_prefixed_remote_branches_are_numbers_in_use(git_repo: Path, tmp_path: Path) -> None:
    push_and_forget(git_repo, tmp_path / "remote.git", "feature/139-x", "user/spec/145-y")
    evidence = gather_numbering_evidence(git_repo)
    assert evidence.status == "proven"
    assert evidence.in_use == (110, 111, 134, 138, 139, 145)
    assert evidence.available == (146, 147, 148, 149)


def test_prefixed_local_branches_are_numbers_in_use(git_repo: Path) -> None:
    for branch in ("feature/139-x", "spec/140-y", "user/141-z", "feature/no-number", "9-short"):
        git(git_repo, "branch", branch)
    assert gather_numbering_evidence(git_repo).in_use == (110, 111, 134, 138, 139, 140, 141)


def test_context_no_longer_offers_a_number_on_a_prefixed_branch(
    git_repo: Path, tmp_path: Path, invoke: Invoke
) -> None:
    push_and_forget(git_repo, tmp_path / "remote.git", "feature/139-x")
    result = invoke("context", "--repo", git_repo)
    assert result.exit_code == 0, result.stderr
    assert "in use: 110, 111, 134, 138, 139; available: 140, 141, 142, 143" in result.stdout


def test_git_that_never_answers_leaves_the_evidence_uncertain(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packed = git_repo / ".git" / "packed-refs"
    packed.unlink(missing_ok=True)
    os.mkfifo(packed)
    monkeypatch.setattr("specrun.context.numbering.GIT_TIMEOUT", 0.5)
    evidence = gather_numbering_evidence(git_repo)
    assert evidence.status == "uncertain"
    assert 111 in evidence.in_use


def test_only_ascii_digits_are_spec_numbers(git_repo: Path) -> None:
    names = [
        "\u0661\u0664\u0665-arabic-indic",
        "\u06f1\u06f4\u06f6-persian",
        "\uff11\uff15\uff10-full-width",
        "\u07c1\u07c5\u07c1-nko",
    ]
    for name in names:
        (git_repo / "specs" / name).mkdir()
    git(git_repo, "branch", "١٦٠-arabic-indic-branch")
    assert gather_numbering_evidence(git_repo).in_use == (110, 111, 134, 138)


@pytest.mark.parametrize("name", ["0139-zero-padded", "139a-suffixed", "00139b-both", "139"])
def test_padded_and_suffixed_numbers_are_in_use(example_repo: Path, name: str) -> None:
    (example_repo / "specs" / name).mkdir()
    assert gather_numbering_evidence(example_repo).in_use == (110, 111, 134, 138, 139)


def test_numbers_of_any_length_are_in_use(git_repo: Path, tmp_path: Path, invoke: Invoke) -> None:
    (git_repo / "specs" / "999-last-three-digit").mkdir()
    (git_repo / "specs" / "1000-first-four-digit").mkdir()
    push_and_forget(git_repo, tmp_path / "remote.git", "1001-in-flight", "feature/1003x-y")
    evidence = gather_numbering_evidence(git_repo)
    assert evidence.status == "proven"
    assert evidence.in_use[-4:] == (999, 1000, 1001, 1003)
    assert evidence.available == (1004, 1005, 1006, 1007)
    result = invoke("context", "--repo", git_repo)
    assert result.exit_code == 0, result.stderr
    assert "in use: 110, 111, 134, 138, 999, 1000, 1001, 1003; available: 1004" in result.stdout
