"""Read a few metadata values from a GGUF file's header, fast.

``gguf.GGUFReader`` builds a numpy view for every value, which takes a minute for a 262k-token
vocabulary on a slow machine; the identity of a model only needs a couple of scalar keys
(``general.file_type``, ``tokenizer.chat_template``). This reader walks the header with
``struct`` and skips arrays without decoding them. Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path
from typing import Any

_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q",
            11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


def read_metadata(path: str | Path, keys: set[str] | None = None) -> dict[str, Any]:
    """Scalar and string metadata of a GGUF file (arrays are skipped); only ``keys`` when given.
    Raises ValueError when the file is not GGUF (v2 or v3)."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        if buf[:4] != b"GGUF":
            raise ValueError(f"{path} is not a GGUF file")
        version = struct.unpack_from("<I", buf, 4)[0]
        if version < 2:
            raise ValueError(f"{path}: GGUF version {version} is not supported")
        n_kv = struct.unpack_from("<Q", buf, 16)[0]
        pos = 24
        out: dict[str, Any] = {}

        def string(at: int) -> tuple[str, int]:
            n = struct.unpack_from("<Q", buf, at)[0]
            return bytes(buf[at + 8:at + 8 + n]).decode("utf-8", "replace"), at + 8 + n

        def skip(vtype: int, at: int) -> int:
            if vtype in _SCALARS:
                return at + struct.calcsize(_SCALARS[vtype])
            if vtype == _STRING:
                return at + 8 + struct.unpack_from("<Q", buf, at)[0]
            if vtype == _ARRAY:
                etype, count = struct.unpack_from("<IQ", buf, at)
                at += 12
                if etype in _SCALARS:
                    return at + count * struct.calcsize(_SCALARS[etype])
                for _ in range(count):
                    at = skip(etype, at)
                return at
            raise ValueError(f"{path}: unknown GGUF value type {vtype}")

        for _ in range(n_kv):
            key, pos = string(pos)
            vtype = struct.unpack_from("<I", buf, pos)[0]
            pos += 4
            wanted = keys is None or key in keys
            if wanted and vtype in _SCALARS:
                out[key] = struct.unpack_from(_SCALARS[vtype], buf, pos)[0]
            elif wanted and vtype == _STRING:
                out[key] = string(pos)[0]
            pos = skip(vtype, pos)
            if keys is not None and keys <= out.keys():
                break
        return out
