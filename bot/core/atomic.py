"""Writing a cache file whole or not at all, without ever stopping the bot."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any


def write_atomically(path: Path, write: Callable[[IO[Any]], None], *, text: bool) -> bool:
    """Write a file through a temporary one and a rename; False when the folder is unwritable.

    Readers see the old file or the new one, never half of it. The caches this writes only
    save start-up time, so an unwritable data folder is not an error.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "w" if text else "wb", encoding="utf-8" if text else None) as out:
                write(out)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        return False
    return True
