"""Signing an index folder's commits with a key only this user has, as Jupyter signs the notebooks it trusts.

Whoosh keeps an index's schema and segment list, and its postings, as pickles, and a crafted pickle can run code.
So each commit records in the manifest the files of its generation, the table of contents (TOC) and every
segment file, each with its size and sha256, and an HMAC-SHA256 of that record with this user's key
(:func:`sign`). A folder is opened only when its newest generation's record carries this user's signature, the
TOC's bytes are the ones signed and every file has its signed size (:func:`problem`); anything else is a folder
someone or something else wrote, which the user must trust first (``open_index(path, trust=True)``).

The key is 32 random bytes, created on first use in ``$SEARCHLIB_KEY_FILE`` if set, else
``$XDG_CONFIG_HOME/searchlib/key`` (``~/.config/searchlib/key``), readable by this user alone (mode 0600). It
never goes into an index folder: whoever can write a folder cannot sign it. A record may carry several users'
signatures (each trusted the same generation); a commit signs its new generation with its writer's key alone.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from ..errors import SearchlibError, UntrustedIndexError

#: The environment variable naming the key file.
KEY_ENV = "SEARCHLIB_KEY_FILE"
KEY_BYTES = 32
#: What a signature covers besides the record, so that no other HMAC made with the key can stand for one.
_PURPOSE = b"searchlib index commit\0"
#: Bytes hashed at a time.
_CHUNK = 1 << 20

_keys: dict[str, bytes] = {}


def key_path() -> Path:
    """Where this user's signing key is kept (see the module's docstring)."""
    named = os.environ.get(KEY_ENV)
    if named:
        return Path(named).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "searchlib" / "key"


def user_key() -> bytes:
    """This user's signing key, made (mode 0600) the first time it is needed."""
    path = key_path()
    found = _keys.get(str(path))
    if found is None:
        found = _keys[str(path)] = _read_or_make(path)
    return found


def _read_or_make(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        _make(path)
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SearchlibError(
            f"cannot read searchlib's signing key {path} ({getattr(exc, 'strerror', None) or exc}); "
            f"set {KEY_ENV} to a key file of yours"
        ) from None
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise SearchlibError(
            f"{path} is not a searchlib signing key ({KEY_BYTES} bytes in hex); remove it to have a new one made "
            "(indexes signed with the old one must then be trusted again)"
        )
    return key


def _make(path: Path) -> None:
    """Write a new key to ``path`` unless another process does first: both then use the first one written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, (secrets.token_hex(KEY_BYTES) + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temp, path)  # fails if a key is there: never replaces one
        except FileExistsError:
            pass
        except OSError as exc:  # a filesystem without hard links: the first to create the file wins
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            if not path.exists():
                os.rename(temp, path)
        finally:
            try:
                temp.unlink()
            except OSError:
                pass
    except OSError as exc:
        raise SearchlibError(
            f"cannot make searchlib's signing key at {path} ({exc.strerror or exc}); set {KEY_ENV} to a path "
            "you can write"
        ) from None


def key_id(key: bytes) -> str:
    """A name for a key that tells nothing of it: what a record's signatures are filed under."""
    return hashlib.sha256(b"searchlib key id\0" + key).hexdigest()[:16]


def _mac(record: Mapping[str, Any], key: bytes) -> str:
    signed = {"generation": record.get("generation"), "files": record.get("files")}
    return hmac.new(key, _PURPOSE + orjson.dumps(signed, option=orjson.OPT_SORT_KEYS), hashlib.sha256).hexdigest()


def sign(record: Mapping[str, Any], keep_others: bool = False) -> dict[str, Any]:
    """``record`` (``generation`` and ``files``) signed with this user's key; ``keep_others`` keeps the
    signatures others made of the same record."""
    key = user_key()
    others = record.get("signatures") if keep_others else None
    signatures = dict(others) if isinstance(others, dict) else {}
    signatures[key_id(key)] = _mac(record, key)
    return {"generation": record.get("generation"), "files": record.get("files"), "signatures": signatures}


def signed_by_me(record: Mapping[str, Any]) -> bool:
    """Whether ``record`` carries this user's valid signature."""
    key = user_key()
    signatures = record.get("signatures")
    mine = signatures.get(key_id(key)) if isinstance(signatures, dict) else None
    return isinstance(mine, str) and hmac.compare_digest(mine, _mac(record, key))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def entry(data: bytes) -> dict[str, Any]:
    """A file's entry in a record, from its bytes."""
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def files_record(folder: Path, names: Iterable[str], known: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each file's size and sha256; a file ``known`` (from the signed record of an earlier generation) with the
    same size keeps its hash there, unread: segment files never change once written."""
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(names):
        size = (folder / name).stat().st_size
        earlier = known.get(name)
        if isinstance(earlier, dict) and earlier.get("size") == size and isinstance(earlier.get("sha256"), str):
            out[name] = {"size": size, "sha256": earlier["sha256"]}
        else:
            out[name] = {"size": size, "sha256": file_sha256(folder / name)}
    return out


def problem(folder: Path, record: Mapping[str, Any] | None, toc: str, toc_bytes: bytes, full: bool = False) -> str:
    """What is wrong with the generation whose TOC is ``toc`` (its bytes ``toc_bytes``), as ``record`` (from the
    manifest, or None) describes it; "" when nothing is. ``full`` also hashes every file."""
    if record is None:
        return f"its manifest records no signed generation for {toc}"
    signatures = record.get("signatures")
    if not isinstance(signatures, dict) or not signatures:
        return "it is not signed"
    if not signed_by_me(record):
        if key_id(user_key()) in signatures:
            return "its manifest was changed after it was signed"
        return "it was signed with another user's key, not yours"
    files = record.get("files")
    if not isinstance(files, dict) or toc not in files:
        return f"its signed record does not list {toc}"
    if hashlib.sha256(toc_bytes).hexdigest() != files[toc].get("sha256"):
        return f"its table of contents {toc} is not the one signed"
    for name, signed in sorted(files.items()):
        path = folder / name
        if os.sep in name or name in (".", "..") or (os.altsep and os.altsep in name):
            return f"its signed record names {name!r}, outside the folder"
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return f"{name}, which it was signed with, is missing"
        if size != signed.get("size"):
            return f"{name} has changed since it was signed (its size)"
        if full and name != toc and file_sha256(path) != signed.get("sha256"):
            return f"{name} has changed since it was signed (its content)"
    return ""


def record_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The manifest's entries that make up a generation's record."""
    return {key: record.get(key) for key in ("generation", "files", "signatures")}


def signed_record(manifest: dict[str, Any], gen: int) -> dict[str, Any] | None:
    """The manifest's record of generation ``gen``: the committed one, or the pending one (a commit between its
    steps 2 and 4); None if it has neither."""
    for record in (manifest, manifest.get("pending")):
        if isinstance(record, dict) and record.get("generation") == gen and isinstance(record.get("files"), dict):
            return record
    return None


def untrusted(folder: Path, problem: str) -> UntrustedIndexError:
    """The error for a folder this user has not trusted, saying what is wrong and what to do."""
    return UntrustedIndexError(
        f"{folder} is not an index you trust: {problem}. If you trust where it came from, trust it with "
        f"`searchlib trust {folder}` or open_index(..., trust=True); if not, rebuild it from its record files",
        path=str(folder),
    )
