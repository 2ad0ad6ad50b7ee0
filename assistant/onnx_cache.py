"""The cache of a model's ONNX files: where they live, what made them, and loading one verified.

``Embedder`` (``embedding.py``) asks ``load_verified`` for the file of its encoder. The files are
made once per model, at ``assistant provision`` (``make install``) or, failing that, the first
time the model is needed, by ``onnx_export.py`` in a child process (``python -m
assistant.onnx_export``), so that the process asking questions never imports torch,
transformers or sentence-transformers.

Layout, under ``<cache dir>/models/<safe name>/``:

- ``model.onnx``: the transformer (``torch.onnx.export``, opset ``OPSET``), dynamic batch and
  sequence axes; inputs ``input_ids``, ``attention_mask`` (and ``token_type_ids`` when the model
  takes them), output ``token_embeddings``. Pooling and normalisation stay outside, in numpy,
  as the model's own sentence-transformers configuration says.
- ``model.int8.onnx``: made from ``model.onnx`` on demand by dynamic int8 quantisation.
- ``tokenizer.json``: only when the model folder has none (saved from its fast tokenizer).
- ``export.json``: what was made from what: each file's sha256, the source model files'
  sha256 (each with the size and mtime it had when last hashed, so a check costs a ``stat``
  unless something changed), the opset, the library versions and the check against
  sentence-transformers run at export.

Every file is written to a temporary name, fsynced and renamed, under a lock, so a reader never
sees half a file; a file whose sha256 differs from ``export.json`` is made again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .settings import cache_dir
from .store import sha256_file

OPSET = 17
RECORD_FORMAT = 1
RECORD = "export.json"
FP32_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
LOCK_TIMEOUT_S = 1800

Log = Callable[[str], None]


class ExportError(RuntimeError):
    """The model could not be exported, or its export could not be verified."""


@dataclass(frozen=True)
class Variant:
    name: str
    filename: str


# How each file is made; a file made another way (an older release of this module) is made again.
RECIPES = {
    "onnx": {"exporter": "torch.onnx.export (TorchScript)", "opset": OPSET, "attention": "eager"},
    "onnx-int8": {"method": "onnxruntime.quantization.quantize_dynamic", "weight_type": "QInt8", "per_channel": True},
}
FP32 = Variant("onnx", FP32_FILE)
INT8 = Variant("onnx-int8", INT8_FILE)
VARIANTS = {v.name: v for v in (FP32, INT8)}


@dataclass(frozen=True)
class VerifiedModel:
    """An ONNX file whose sha256 matched the record, and the record itself. The file is only ever
    replaced whole (written aside, then renamed), so what was checked is what is loaded."""

    path: Path
    sha256: str
    source_sha256: str
    folder: Path
    record: dict
    source_files: dict  # as found now; differs from the record's after a reinstall (new mtimes)
    variant: str = ""
    file_stat: dict | None = None  # the ONNX file's size and mtime_ns as found now


def model_folder(model_name: str) -> Path:
    """Where the exports of one model live: ``<cache dir>/models/<safe name>``."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_name).strip("._")[-60:] or "model"
    digest = hashlib.sha256(model_name.encode("utf-8")).hexdigest()[:10]
    return cache_dir() / "models" / f"{slug}-{digest}"


# -- the source model's files ---------------------------------------------------------------------
def _source_files(source: Path) -> list[Path]:
    """The files that make the model: everything but docs, VCS files and hidden folders."""
    files = []
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() == ".md":
            continue
        files.append(path)
    return files


STAT_KEYS = ("size", "mtime_ns")


def file_entry(path: Path, known: dict | None = None) -> dict:
    """``{sha256, size, mtime_ns}`` of a file: ``known``'s sha256 when its size and mtime are the
    file's (a stat), else the file's own, read (streamed: a 90 MB file is not held twice)."""
    st = path.stat()
    now = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if known and known.get("sha256") and all(known.get(key) == now[key] for key in STAT_KEYS):
        return {"sha256": known["sha256"], **now}
    return {"sha256": sha256_file(path), **now}


def source_fingerprint(source: Path, known_files: dict | None = None) -> dict:
    """``{"files": {relpath: {sha256, size, mtime_ns}}, "sha256": combined}`` of a model folder.

    A file whose size and mtime match its entry in ``known_files`` (a record's ``source_files``)
    keeps its recorded sha256 (a stat, not a read): checking the 90 MB of weights on every start
    would cost more than loading them.
    """
    known_files = known_files or {}
    files = {}
    for path in _source_files(source):
        rel = path.relative_to(source).as_posix()
        files[rel] = file_entry(path, known_files.get(rel))
    combined = hashlib.sha256("".join(f"{rel}\0{f['sha256']}\n" for rel, f in files.items()).encode())
    return {"files": files, "sha256": combined.hexdigest()}


# -- records and atomic writes --------------------------------------------------------------------
def read_record(folder: Path) -> dict | None:
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("format") == RECORD_FORMAT else None


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(target: Path, data: bytes) -> None:
    """Write to a temporary file beside ``target``, fsync it, rename it over ``target``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; the cache is read by whoever runs the assistant
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def write_record(folder: Path, record: dict) -> None:
    write_atomic(folder / RECORD, (json.dumps(record, indent=2, sort_keys=True) + "\n").encode("utf-8"))


@contextmanager
def _locked(folder: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    from filelock import FileLock

    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / ".lock"), timeout=timeout):
        yield


# -- verified loading -----------------------------------------------------------------------------
def check(folder: Path, source: Path, variant: Variant) -> tuple[VerifiedModel | None, str]:
    """The variant's bytes if the record, the source model and the file all agree; else why not."""
    record = read_record(folder)
    if record is None:
        return None, "no export record"
    if record.get("source") != str(source):
        return None, f"exported from {record.get('source')}, not {source}"
    fingerprint = source_fingerprint(source, record.get("source_files"))
    if fingerprint["sha256"] != record.get("source_sha256"):
        return None, "the source model's files changed"
    entry = record.get("variants", {}).get(variant.name)
    if not entry:
        return None, f"no {variant.name} export yet"
    if entry.get("recipe") != RECIPES[variant.name]:
        return None, f"{variant.filename} was made another way ({entry.get('recipe')})"
    tokenizer = record.get("tokenizer_file")
    if tokenizer and (
        not (folder / TOKENIZER_FILE).is_file() or sha256_file(folder / TOKENIZER_FILE) != tokenizer["sha256"]
    ):
        return None, f"{TOKENIZER_FILE} is missing or altered"
    path = folder / variant.filename
    try:
        now = file_entry(path, entry)
    except OSError:
        return None, f"{variant.filename} is missing"
    sha = now["sha256"]
    if sha != entry.get("sha256"):
        return None, f"{variant.filename} is altered (sha256 {sha[:12]}…, recorded {str(entry.get('sha256'))[:12]}…)"
    return VerifiedModel(
        path=path,
        sha256=sha,
        source_sha256=record["source_sha256"],
        folder=folder,
        record=record,
        source_files=fingerprint["files"],
        variant=variant.name,
        file_stat={key: now[key] for key in STAT_KEYS},
    ), ""


def _stats_changed(found: VerifiedModel) -> bool:
    entry = found.record.get("variants", {}).get(found.variant, {})
    recorded = {key: entry.get(key) for key in STAT_KEYS}
    return found.source_files != found.record.get("source_files") or found.file_stat != recorded


def _refresh_stats(found: VerifiedModel) -> None:
    """Record the new size and mtime of files whose contents just hashed the same (the source
    model's, the ONNX file's), so the next start trusts a stat again instead of hashing them.
    Call with the lock held."""
    record = read_record(found.folder)
    if record is None or record.get("source_sha256") != found.source_sha256:
        return
    record["source_files"] = found.source_files
    entry = record.get("variants", {}).get(found.variant)
    if entry is not None and entry.get("sha256") == found.sha256 and found.file_stat:
        entry.update(found.file_stat)
    write_record(found.folder, record)


def load_verified(model_name: str, source: Path, variant_name: str, log: Log | None = None) -> VerifiedModel:
    """The verified ONNX file for ``model_name`` (from the folder ``source``), made or made again if
    needed.

    The common case is a stat of each file (hashed again, and the new stat recorded, only when
    its size or mtime changed).
    Otherwise, under the model folder's lock, it checks again (another process may have just
    finished) and then exports and/or quantises.
    """
    variant = VARIANTS[variant_name]
    folder = model_folder(model_name)
    found, why = check(folder, source, variant)
    if found is not None:
        if _stats_changed(found):
            try:
                with _locked(folder, timeout=5):
                    _refresh_stats(found)
            except OSError:  # a read-only cache, or the lock held by a long export: next time
                pass
        return found
    with _locked(folder):
        found, why = check(folder, source, variant)
        if found is not None:
            return found
        if log:
            log(f"preparing the ONNX encoder for {model_name} ({why}); this happens once per model")
        _make_in_child(model_name, source, folder, variant)
        found, why = check(folder, source, variant)
        if found is None:
            raise ExportError(f"the ONNX export of {model_name} did not verify after it was made: {why}")
        return found


def _make_in_child(model_name: str, source: Path, folder: Path, variant: Variant) -> None:
    """Export (and quantise) in a child process: torch stays out of the calling process."""
    cmd = [
        sys.executable,
        "-m",
        "assistant.onnx_export",
        "--model",
        model_name,
        "--source",
        str(source),
        "--out",
        str(folder),
        "--variant",
        variant.name,
    ]
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    result = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise ExportError(f"exporting {model_name} to ONNX failed: " + (detail[-1] if detail else "no output"))
