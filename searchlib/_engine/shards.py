"""A sharded index's folder: its manifest, its shard folders, and which shard each paper lives in.

A sharded index is one folder holding ``shards.json`` (the manifest: format, version, number of shards, hash)
and ``shard-000``, ``shard-001``, ... each a complete index folder of its own (:mod:`.folder`). A paper's
shard is fixed by its id: the first 8 bytes of the BLAKE2b digest of the id's UTF-8 bytes, as a big-endian
number, modulo the number of shards. The hash is the same in every process, on every machine and in every
Python version (Python's own ``hash()`` of a string is not), so ``add``, ``delete`` and ``get`` find a paper
where the build put it.

>>> shard_of("10.1136/bmjqs-2024-017268", 3), shard_of("10.1136/bmjqs-2024-017268", 3)
(1, 1)
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson

from ..errors import ArgumentError, SearchlibError
from ..progress import counted
from . import folder, signing
from .folder import check_build_target
from .storage import MANIFEST

#: The manifest of a sharded index (a single index's is ``searchlib.json``).
SHARDS_MANIFEST = "shards.json"
SHARDS_FORMAT = "searchlib-shards"
SHARDS_VERSION = 1
HASH = "blake2b-64"
#: More shards than this is a typing error, not a plan: each shard is a folder and an open index.
MAX_SHARDS = 1024


def shard_of(paper_id: str, shards: int) -> int:
    """The shard that holds the paper with this id."""
    digest = hashlib.blake2b(paper_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def shard_name(number: int) -> str:
    return f"shard-{number:03d}"


def check_count(shards: object) -> int:
    """``shards`` if it is a whole number from 1 to :data:`MAX_SHARDS`; else :class:`SearchlibError`."""
    if isinstance(shards, bool) or not isinstance(shards, int) or not 1 <= shards <= MAX_SHARDS:
        raise ArgumentError(f"shards must be a whole number from 1 to {MAX_SHARDS}, not {shards!r}")
    return shards


def is_sharded(path: Path) -> bool:
    return (path / SHARDS_MANIFEST).is_file()


def write_manifest(path: Path, shards: int) -> None:
    """The manifest of a new sharded index (written last in the staging folder, so a folder with one is whole)."""
    data = {"format": SHARDS_FORMAT, "version": SHARDS_VERSION, "shards": shards, "hash": HASH}
    (path / SHARDS_MANIFEST).write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the sharded index at ``path``, checked: a :class:`SearchlibError` says what is wrong."""
    try:
        data = orjson.loads((path / SHARDS_MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError) as e:
        raise SearchlibError(f"{path} is not a readable sharded index ({SHARDS_MANIFEST}: {e})") from None
    if not isinstance(data, dict) or data.get("format") != SHARDS_FORMAT:
        raise SearchlibError(f"{path / SHARDS_MANIFEST} is not a searchlib shards manifest")
    if data.get("version", 0) > SHARDS_VERSION:
        raise SearchlibError(f"{path} was written by a newer searchlib (shards format {data.get('version')})")
    if data.get("hash") != HASH:
        raise SearchlibError(f"{path} places papers by {data.get('hash')!r}, which this searchlib does not know")
    check_count(data.get("shards"))
    missing = [shard_name(i) for i in range(data["shards"]) if not (path / shard_name(i)).is_dir()]
    if missing:
        raise SearchlibError(f"{path} lacks shard folders {', '.join(missing)}: copy them back or rebuild")
    return data


def holds_index(path: Path) -> bool:
    """Whether ``path`` holds an index, sharded or not (complete or not: it has a manifest)."""
    return (path / MANIFEST).exists() or is_sharded(path)


def index_folders(path: Path) -> list[Path]:
    """The index folders of the index at ``path``: its shards' if it is sharded, else itself."""
    if not is_sharded(path):
        return [path]
    return [path / shard_name(i) for i in range(read_manifest(path)["shards"])]


def trust_index(path: Path, verify: bool = False) -> str:
    """Check the index at ``path`` (each shard of a sharded one) and sign it with this user's key, or only check
    every file against its signature (``verify``); what was done, in a line."""
    folders = index_folders(path)  # a sharded index's shards are each signed on their own
    for each in folders:
        folder.check_format(each)
    if verify:
        for each in folders:
            folder.verify(each)
        return f"{path}: signed with your key, and every file is as it was signed"
    signed = sum(folder.trust(each) for each in folders)
    return f"trusted {path}: {counted(signed, 'file')} signed with your key ({signing.key_path()})"


def check_target(target: Path, overwrite: bool) -> None:
    """Refuse to build over a file, over an index (sharded or not) without ``overwrite``, or over other files."""
    if not is_sharded(target):
        check_build_target(target, overwrite)
    elif not overwrite:
        check_build_target(target, overwrite=False, found=True)


def swap_into_place(staged: Path, target: Path, timeout: float) -> None:
    """Move a complete sharded index into place, replacing the index there with every shard's write lock held."""
    shards = read_manifest(target)["shards"] if is_sharded(target) else 0
    folder.swap_into_place(staged, target, timeout, [target / shard_name(i) for i in range(shards)] or None)
