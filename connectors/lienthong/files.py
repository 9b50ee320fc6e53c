"""Result files of an interlinked dossier: fetched again from the national system.

The hub keeps each file's hash and size (``file_ref`` ``lienthong:<mã hồ sơ>/<n>``),
never its bytes; a download asks the detail again and checks the hash it kept.
"""

from __future__ import annotations

import hashlib
from typing import Any

from hub.sdk import ContractError, message

from . import mapping

__all__ = ["download"]


async def download(
    connector: Any, ma_ho_so: str, n: int, *, sha256: str | None = None
) -> bytes | None:
    """The bytes of file ``n`` (1-based) of the dossier; None when there is no such file.

    :param sha256: the hash kept when the dossier was pulled; a different file is refused.
    """
    record = await connector.detail(ma_ho_so)
    files = (record or {}).get("fileDinhKem") or []
    if not 1 <= n <= len(files):
        return None
    content = mapping.decode_file(files[n - 1], n)
    if not content:
        raise ContractError(
            message("contract.file_empty", n=n, ma_ho_so=ma_ho_so), system=mapping.SYSTEM
        )
    if sha256 is not None and hashlib.sha256(content).hexdigest() != sha256:
        raise ContractError(
            message("contract.file_changed", n=n, ma_ho_so=ma_ho_so), system=mapping.SYSTEM
        )
    return content
