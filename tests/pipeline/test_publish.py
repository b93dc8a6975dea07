from datetime import UTC, datetime

import pytest

from pipeline.publish import (
    CURRENT_FILE,
    UNSERVED_MARKER,
    IngestBusy,
    Manifest,
    PublishError,
    current_version,
    ingest_lock,
    list_versions,
    new_build_dir,
    next_version_name,
    publish,
    remove_leftover_builds,
    rollback,
    unpublished_versions,
)


def build(data_dir, n: int) -> str:
    """Publish an (index-less) version; enough for the pointer and pruning logic."""
    build_dir = new_build_dir(data_dir)
    name = next_version_name(data_dir, now=datetime(2026, 1, 1, 0, 0, n, tzinfo=UTC))
    manifest = Manifest(
        version=name,
        created=datetime.now(UTC),
        format_version=1,
        fingerprint=str(n),
        articles=n,
        tips=n,
        languages={},
    )
    (build_dir / "manifest.json").write_text(manifest.model_dump_json())
    publish(data_dir, build_dir, name, keep=3)
    return name


def test_nothing_published(tmp_path):
    assert current_version(tmp_path) is None
    assert list_versions(tmp_path) == []


def test_publish_switches_the_pointer_and_keeps_old_versions(tmp_path):
    first = build(tmp_path, 1)
    assert current_version(tmp_path).name == first
    second = build(tmp_path, 2)
    assert (tmp_path / CURRENT_FILE).read_text().strip() == second
    assert [v.name for v in list_versions(tmp_path)] == [first, second]
    assert first.startswith("000001-") and second.startswith("000002-")


def test_old_versions_are_pruned_to_keep(tmp_path):
    names = [build(tmp_path, n) for n in range(1, 6)]
    assert [v.name for v in list_versions(tmp_path)] == names[-3:]
    assert current_version(tmp_path).name == names[-1]


def test_rollback_goes_to_the_previous_version(tmp_path):
    first, second = build(tmp_path, 1), build(tmp_path, 2)
    assert rollback(tmp_path).version.name == first
    assert current_version(tmp_path).name == first
    with pytest.raises(PublishError, match="no earlier version"):
        rollback(tmp_path)
    assert second in [v.name for v in list_versions(tmp_path)]


def test_leftover_builds_are_removed(tmp_path):
    leftover = new_build_dir(tmp_path)
    (leftover / "half-written").write_text("x")
    (tmp_path / f".{CURRENT_FILE}.deadbeef").write_text("x")
    assert remove_leftover_builds(tmp_path) == [leftover.name]
    assert not leftover.exists()
    assert not list(tmp_path.glob(".CURRENT.*"))


def test_a_second_ingest_is_refused_while_one_holds_the_lock(tmp_path):
    with (
        ingest_lock(tmp_path),
        pytest.raises(IngestBusy, match=r"another ingest is running .*pid \d+"),
        ingest_lock(tmp_path),
    ):
        pass
    with ingest_lock(tmp_path):  # released again
        pass


def test_a_damaged_pointer_serves_the_newest_readable_version_and_says_why(tmp_path):
    from pipeline.publish import serving_version

    build(tmp_path, 1)
    newest = build(tmp_path, 2)
    (tmp_path / CURRENT_FILE).write_text("../../etc\n")  # never followed
    serving = serving_version(tmp_path)
    assert serving.version.name == newest
    assert serving.problem == (
        f"{CURRENT_FILE} names '../../etc', which is no readable version; "
        f"serving the newest readable version {newest}"
    )
    (tmp_path / CURRENT_FILE).unlink()
    (tmp_path / CURRENT_FILE).mkdir()  # unreadable as a file
    assert serving_version(tmp_path).version.name == newest
    assert serving_version(tmp_path).problem.startswith(f"{CURRENT_FILE} cannot be read (")


def test_a_version_rolled_back_from_is_kept_and_one_never_served_is_removed(tmp_path):
    first, second = build(tmp_path, 1), build(tmp_path, 2)
    rollback(tmp_path)  # CURRENT moves back to the first after the second was built
    assert unpublished_versions(tmp_path) == []
    assert remove_leftover_builds(tmp_path) == []
    assert [v.name for v in list_versions(tmp_path)] == [first, second]

    # an ingest killed between putting its version in place and switching to it: the
    # version still holds its marker, CURRENT still names the version served before
    orphan = build(tmp_path, 3)
    (tmp_path / "versions" / orphan / UNSERVED_MARKER).touch()
    (tmp_path / CURRENT_FILE).write_text(first + "\n")
    assert [v.name for v in unpublished_versions(tmp_path)] == [orphan]
    assert remove_leftover_builds(tmp_path) == [orphan]
    assert [v.name for v in list_versions(tmp_path)] == [first, second]


def test_a_published_version_carries_no_marker_and_lists_none(tmp_path):
    name = build(tmp_path, 1)
    version = tmp_path / "versions" / name
    assert not (version / UNSERVED_MARKER).exists()
    assert UNSERVED_MARKER not in (version / "files.json").read_text()


def test_without_a_pointer_no_version_counts_as_never_served(tmp_path):
    build(tmp_path, 1)
    (tmp_path / CURRENT_FILE).unlink()  # a first ingest killed after its rename
    assert unpublished_versions(tmp_path) == []
