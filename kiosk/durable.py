"""Small files that must survive a crash or a power cut whole: the old version or the new one.

Used for the workshop catalogue cache, the site settings and agent mode's lockout. (The outbox
is SQLite, durable on its own terms: kiosk/outbox.py.)
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def replace_file(path: str | Path, data: bytes) -> None:
    """Replace `path` with `data` atomically and durably: temporary file, fsync, rename, fsync
    of the folder (or raise OSError, leaving the old file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)        # the rename itself must survive a power cut
    finally:
        os.close(folder)


def save_json(path: str | Path, data: dict) -> None:
    """`data` as JSON in `path`, atomically and durably (or raise OSError)."""
    replace_file(path, json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def load_json(path: str | Path) -> dict | None:
    """The JSON object in `path`; None when there is no file; ValueError when it is unusable."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"cannot be read ({err})") from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"is not valid JSON ({err})") from err
    if not isinstance(data, dict):
        raise ValueError("is not a JSON object")
    return data
