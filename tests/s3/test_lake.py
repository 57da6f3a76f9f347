"""The lake on its own: the key encoding, atomic placement, conflicts, staging clean-up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from headwater.lake import LocalLake, decode_side_path, natural_path, side_path
from headwater.lake.errors import UnsafePathError
from headwater.lake.keys import CHUNK_BYTES, SIDE_DIR

AWKWARD = [
    "..",
    ".",
    "../../etc/passwd",
    "a/../b",
    "/abs/path",
    "a//b",
    "a/",
    "/",
    "//",
    "nul\x00byte",
    "back\\slash",
    "tab\there",
    "percent%2F",
    "%",
    "%_",
    "%+",
    "%~",
    "x" * 300,
    "é" * 200,
    "a/" + "b" * 600 + "/c",
    SIDE_DIR + "/x",
    "a/./b",
    "...",
    "\x7f",
    "emoji-😀/" + "😀" * 100,
]


@pytest.mark.parametrize("key", AWKWARD)
def test_side_path_round_trips_and_stays_short(key: str) -> None:
    storage = side_path(key)
    assert decode_side_path(storage) == key
    parts = storage.split("/")
    assert parts[0] == SIDE_DIR
    assert all(p not in ("", ".", "..") for p in parts)
    assert all(len(p.encode()) <= CHUNK_BYTES + 2 for p in parts)
    assert "\x00" not in storage
    assert "\\" not in storage


@pytest.mark.parametrize(
    "key", ["a", "raw/2026/data.csv", "with space/and:colon", "...x", "percent%41"]
)
def test_plain_keys_are_their_own_path(key: str) -> None:
    assert natural_path(key) == key


@pytest.mark.parametrize("key", AWKWARD)
def test_awkward_keys_have_no_natural_path(key: str) -> None:
    if key in ("...", "percent%2F", "%", "%_", "%+", "%~"):
        assert natural_path(key) == key
    else:
        assert natural_path(key) is None


def test_side_paths_of_a_and_a_slash_b_do_not_collide() -> None:
    assert not side_path("a/b").startswith(side_path("a") + "/")
    assert side_path("a") != side_path("a/")


def test_decode_rejects_foreign_paths() -> None:
    for bad in [
        "x/y%~",
        SIDE_DIR + "/no-leaf",
        SIDE_DIR + "/bad%zz%~",
        SIDE_DIR + "/dangling%+/%~"[:-3],
    ]:
        with pytest.raises(ValueError):
            decode_side_path(bad)


def _lake(tmp_path: Path) -> LocalLake:
    lake = LocalLake(tmp_path / "lake", tmp_path / "staging", fsync="always")  # type: ignore[arg-type]
    lake.create_bucket("bkt")
    return lake


def test_place_replaces_atomically_and_open_handles_keep_their_version(tmp_path: Path) -> None:
    lake = _lake(tmp_path)
    first = lake.write_temp(b"version one")
    storage = lake.place("bkt", "k.txt", first.path, synced=True)
    assert storage == "k.txt"
    handle = lake.open("bkt", storage)
    second = lake.write_temp(b"version two!")
    assert lake.place("bkt", "k.txt", second.path, current=storage, synced=True) == storage
    assert handle.read() == b"version one"
    handle.close()
    assert (tmp_path / "lake" / "bkt" / "k.txt").read_bytes() == b"version two!"
    assert list((tmp_path / "staging").iterdir()) == []


def test_file_and_folder_conflicts_go_to_the_side_folder(tmp_path: Path) -> None:
    lake = _lake(tmp_path)
    a = lake.place("bkt", "a", lake.write_temp(b"file a").path)
    ab = lake.place("bkt", "a/b", lake.write_temp(b"file a/b").path)
    assert a == "a"
    assert ab == side_path("a/b")
    c = lake.place("bkt", "c/d", lake.write_temp(b"c/d").path)
    c_file = lake.place("bkt", "c", lake.write_temp(b"c").path)
    assert c == "c/d"
    assert c_file == side_path("c")
    for storage, data in [(a, b"file a"), (ab, b"file a/b"), (c, b"c/d"), (c_file, b"c")]:
        with lake.open("bkt", storage) as fh:
            assert fh.read() == data


def test_symlinked_folders_are_never_followed(tmp_path: Path) -> None:
    lake = _lake(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, tmp_path / "lake" / "bkt" / "evil")
    storage = lake.place("bkt", "evil/x", lake.write_temp(b"data").path)
    assert storage == side_path("evil/x")
    assert list(outside.iterdir()) == []


def test_markers_are_folders_and_removal_prunes_empty_folders(tmp_path: Path) -> None:
    lake = _lake(tmp_path)
    assert lake.place_marker("bkt", "raw/") == "raw/"
    assert (tmp_path / "lake" / "bkt" / "raw").is_dir()
    inner = lake.place("bkt", "raw/x/y.csv", lake.write_temp(b"1").path)
    lake.remove("bkt", inner, keep=lambda folder: folder == "raw/")
    assert (tmp_path / "lake" / "bkt" / "raw").is_dir()
    assert not (tmp_path / "lake" / "bkt" / "raw" / "x").exists()
    lake.remove("bkt", "raw/")
    assert not (tmp_path / "lake" / "bkt" / "raw").exists()


def test_bad_storage_strings_are_refused(tmp_path: Path) -> None:
    lake = _lake(tmp_path)
    for bad in ["../x", "a/../../x", "", "/etc/passwd"]:
        with pytest.raises(UnsafePathError):
            lake.path("bkt", bad)
    with pytest.raises(UnsafePathError):
        lake.bucket_dir("..")
    with pytest.raises(UnsafePathError):
        lake.keep_part("../up", 1, lake.write_temp(b"x").path)


def test_clean_staging_keeps_live_uploads_only(tmp_path: Path) -> None:
    lake = _lake(tmp_path)
    (tmp_path / "staging" / "upload-dead").write_bytes(b"half a body")
    live = lake.keep_part("live", 1, lake.write_temp(b"p1").path)
    lake.keep_part("dead", 1, lake.write_temp(b"p1").path)
    assert lake.clean_staging(live_uploads={"live"}) == 2
    assert lake.part_file(live).read_bytes() == b"p1"
    assert not (tmp_path / "staging" / "upload-dead").exists()
    assert not (tmp_path / "staging" / "uploads" / "dead").exists()


def test_concat_and_ranged_copy_stay_on_disk(tmp_path: Path) -> None:
    lake = _lake(tmp_path)
    refs = [lake.keep_part("u1", n, lake.write_temp(bytes([n]) * 1000).path) for n in (1, 2)]
    blob = lake.concat_parts(refs)
    assert blob.size == 2000
    assert blob.path.read_bytes() == b"\x01" * 1000 + b"\x02" * 1000
    with open(blob.path, "rb") as src:
        part = lake.copy_to_temp(src, 990, 20, md5=True)
        plain = lake.copy_to_temp(src, 0, 2000, md5=False)
    assert part.path.read_bytes() == b"\x01" * 10 + b"\x02" * 10
    assert part.md5_hex is not None
    assert plain.path.read_bytes() == blob.path.read_bytes()
