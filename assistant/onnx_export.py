"""The one-time ONNX export of a sentence-transformers model, cached per model and verified.

``Embedder`` (``embedding.py``) runs the transformer of the configured model with onnxruntime.
The ONNX file is made here, once per model: at ``assistant provision`` (``make install``) or,
failing that, the first time the model is needed. Export is the only step that needs torch,
and it runs in a child process (``python -m assistant.onnx_export``) so that the process asking
questions never imports torch, transformers or sentence-transformers.

Layout, under ``<cache dir>/models/<safe name>/``:

- ``model.onnx``: the transformer (``torch.onnx.export``, opset ``OPSET``), dynamic batch and
  sequence axes; inputs ``input_ids``, ``attention_mask`` (and ``token_type_ids`` when the model
  takes them), output ``token_embeddings``. Pooling and normalisation stay outside, in numpy,
  as the model's own sentence-transformers configuration says.
- ``model.int8.onnx``: made from ``model.onnx`` on demand by dynamic int8 quantisation.
- ``tokenizer.json``: only when the model folder has none (saved from its fast tokenizer).
- ``export.json``: what was made from what: each file's sha256, the source model files'
  sha256 (with size and mtime, so a check costs a ``stat`` unless something changed), the
  opset, the library versions and the check against sentence-transformers run at export.

Every file is written to a temporary name, fsynced and renamed, under a lock, so a reader never
sees half a file; a file whose sha256 differs from ``export.json`` is made again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
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
# Texts the export checks against sentence-transformers before it keeps a file.
PROBES = (
    "Opsoclonus-myoclonus syndrome in a child with neuroblastoma.",
    "What causes cerebellar hypoplasia?",
    "a",
    (
        "Diffusion-weighted MRI showed restricted diffusion in both cerebellar hemispheres "
        "two weeks after the infection, and the child recovered slowly over the following months."
    ),
)
MIN_PROBE_COSINE = 0.9999

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


def model_folder(model_name: str) -> Path:
    """Where the exports of one model live: ``<cache dir>/models/<safe name>``."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_name).strip("._")[-60:] or "model"
    digest = hashlib.sha256(model_name.encode("utf-8")).hexdigest()[:10]
    return cache_dir() / "models" / f"{slug}-{digest}"


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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


def source_fingerprint(source: Path, known: dict | None = None) -> dict:
    """``{"files": {relpath: {sha256, size, mtime_ns}}, "sha256": combined}`` of a model folder.

    A file whose size and mtime match ``known`` keeps its recorded sha256 (a stat, not a read):
    checking the 90 MB of weights on every start would cost more than loading them.
    """
    known_files = (known or {}).get("files", {})
    files = {}
    for path in _source_files(source):
        rel = path.relative_to(source).as_posix()
        st = path.stat()
        old = known_files.get(rel)
        if old and old.get("size") == st.st_size and old.get("mtime_ns") == st.st_mtime_ns:
            sha = old["sha256"]
        else:
            sha = sha256_file(path)
        files[rel] = {"sha256": sha, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
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


def _write_record(folder: Path, record: dict) -> None:
    write_atomic(folder / RECORD, (json.dumps(record, indent=2, sort_keys=True) + "\n").encode("utf-8"))


@contextmanager
def _locked(folder: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    from filelock import FileLock

    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / ".lock"), timeout=timeout):
        yield


# -- verified loading -----------------------------------------------------------------------------
def _check(folder: Path, source: Path, variant: Variant) -> tuple[VerifiedModel | None, str]:
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
        sha = sha256_file(path)  # streamed: the weights are not held in memory twice
    except OSError:
        return None, f"{variant.filename} is missing"
    if sha != entry.get("sha256"):
        return None, f"{variant.filename} is altered (sha256 {sha[:12]}…, recorded {str(entry.get('sha256'))[:12]}…)"
    return VerifiedModel(
        path=path,
        sha256=sha,
        source_sha256=record["source_sha256"],
        folder=folder,
        record=record,
        source_files=fingerprint["files"],
    ), ""


def _refresh_source_stats(found: VerifiedModel) -> None:
    """Record the source files' new size and mtime (same contents), so the next start trusts a
    stat again instead of hashing the weights. Call with the lock held."""
    record = read_record(found.folder)
    if record is not None and record.get("source_sha256") == found.source_sha256:
        record["source_files"] = found.source_files
        _write_record(found.folder, record)


def load_verified(model_name: str, source: Path, variant_name: str, log: Log | None = None) -> VerifiedModel:
    """The verified ONNX file for ``model_name`` (from the folder ``source``), made or made again if
    needed.

    The common case reads the file once to check its sha256.
    Otherwise, under the model folder's lock, it checks again (another process may have just
    finished) and then exports and/or quantises.
    """
    variant = VARIANTS[variant_name]
    folder = model_folder(model_name)
    found, why = _check(folder, source, variant)
    if found is not None:
        if found.source_files != found.record.get("source_files"):
            try:
                with _locked(folder, timeout=5):
                    _refresh_source_stats(found)
            except OSError:  # a read-only cache, or the lock held by a long export: next time
                pass
        return found
    with _locked(folder):
        found, why = _check(folder, source, variant)
        if found is not None:
            return found
        if log:
            log(f"preparing the ONNX encoder for {model_name} ({why}); this happens once per model")
        _make_in_child(model_name, source, folder, variant)
        found, why = _check(folder, source, variant)
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


def make(model_name: str, source: Path, folder: Path, variant_name: str) -> None:
    """Make what is missing for ``variant_name``: the float32 export, then the int8 file if asked.
    Call with the folder's lock held (``load_verified`` does, around the child running this)."""
    variant = VARIANTS[variant_name]
    for leftover in folder.glob(".*.tmp"):  # from a run that was killed; the lock is ours
        leftover.unlink(missing_ok=True)
    if _check(folder, source, FP32)[0] is None:
        export(model_name, source, folder)
    if variant is INT8 and _check(folder, source, INT8)[0] is None:
        quantize_int8(folder)


# -- making the files (torch only here) -----------------------------------------------------------
def export(model_name: str, source: Path, folder: Path) -> dict:
    """Export the transformer of the sentence-transformers model in ``source`` to ``folder``.

    Call with the folder's lock held (``load_verified`` does). Returns the new record.
    """
    import warnings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    from .embedding import ModelLayout, SentencePipeline

    folder.mkdir(parents=True, exist_ok=True)
    layout = ModelLayout.from_folder(source)
    # eager attention traces to plain MatMul/Softmax ops that onnxruntime fuses itself
    st = SentenceTransformer(str(source), device="cpu", model_kwargs={"attn_implementation": "eager"})
    st.eval()
    transformer = st[0]
    hf_model = transformer.auto_model
    hf_tokenizer = transformer.tokenizer
    record: dict = {"format": RECORD_FORMAT, "model": model_name, "source": str(source)}
    tokenizer_file, tokenizer_record = layout.tokenizer_path, None
    if tokenizer_file is None:  # an older model with vocab files only: keep its fast tokenizer's JSON
        backend = getattr(hf_tokenizer, "backend_tokenizer", None)
        if backend is None:
            raise ExportError(f"{source} has no tokenizer.json and its tokenizer is not a fast one")
        tokenizer_file = folder / TOKENIZER_FILE
        write_atomic(tokenizer_file, backend.to_str().encode("utf-8"))
        tokenizer_record = {"sha256": sha256_file(tokenizer_file)}
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in getattr(hf_tokenizer, "model_input_names", ()):
        names.append("token_type_ids")

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, model) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            return self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state

    # a padded dummy batch, so nothing the trace records assumes a full attention mask
    ids = torch.full((2, 16), 1000, dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    mask[1, 9:] = 0
    dummy = {"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)}
    axes = {name: {0: "batch", 1: "sequence"} for name in [*names, "token_embeddings"]}
    fd, tmp = tempfile.mkstemp(prefix=f".{FP32_FILE}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                TokenEmbeddings(hf_model).eval(),
                tuple(dummy[n] for n in names),
                tmp,
                dynamo=False,
                input_names=names,
                output_names=["token_embeddings"],
                dynamic_axes=axes,
                opset_version=OPSET,
                do_constant_folding=True,
            )
        data = Path(tmp).read_bytes()
    finally:
        Path(tmp).unlink(missing_ok=True)
    pipeline = SentencePipeline(layout, tokenizer_file, data, threads=1)
    ours = pipeline.encode(list(PROBES), batch_size=len(PROBES))
    theirs = np.asarray(st.encode(list(PROBES), convert_to_numpy=True), dtype=np.float32)
    cosines = [float(c) for c in _cosines(ours, theirs)]
    if min(cosines) < MIN_PROBE_COSINE:
        raise ExportError(
            f"the ONNX encoder of {model_name} disagrees with sentence-transformers "
            f"(cosine {min(cosines):.6f} < {MIN_PROBE_COSINE}); the model may have modules "
            "this encoder does not run"
        )
    write_atomic(folder / FP32_FILE, data)
    import onnxruntime
    import sentence_transformers
    import transformers

    fingerprint = source_fingerprint(source)
    record.update(
        {
            "source_files": fingerprint["files"],
            "source_sha256": fingerprint["sha256"],
            "tokenizer_file": tokenizer_record,
            "opset": OPSET,
            "inputs": names,
            "output": "token_embeddings",
            "versions": {
                "torch": torch.__version__,
                "transformers": transformers.__version__,
                "sentence_transformers": sentence_transformers.__version__,
                "onnxruntime": onnxruntime.__version__,
            },
            "check": {"texts": len(PROBES), "min_cosine_to_sentence_transformers": min(cosines)},
            "variants": {
                FP32.name: {
                    "file": FP32_FILE,
                    "sha256": _sha256_bytes(data),
                    "bytes": len(data),
                    "recipe": RECIPES[FP32.name],
                }
            },
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
    )
    _write_record(folder, record)
    return record


def _cosines(a, b):
    import numpy as np

    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def quantize_int8(folder: Path) -> dict:
    """``model.int8.onnx`` from the verified ``model.onnx`` by dynamic int8 quantisation: int8
    weights, one scale per output channel (per-tensor scales measured mean cosine 0.951 to float32
    on the seed corpus, per-channel 0.992), activations quantised per batch at run time.
    Needs onnx and onnxruntime, not torch. Call with the folder's lock held."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    record = read_record(folder)
    if record is None or FP32.name not in record.get("variants", {}):
        raise ExportError(f"no verified {FP32_FILE} in {folder} to quantise")
    fp32 = folder / FP32_FILE
    if sha256_file(fp32) != record["variants"][FP32.name]["sha256"]:
        raise ExportError(f"{fp32} is altered; export it again before quantising")
    logging.disable(logging.WARNING)  # it advises a pre-processing step through the root logger
    try:
        with tempfile.TemporaryDirectory(dir=folder, prefix=".quantize-") as tmp:
            out = Path(tmp) / INT8_FILE
            recipe = RECIPES[INT8.name]
            quantize_dynamic(
                str(fp32),
                str(out),
                weight_type=getattr(QuantType, recipe["weight_type"]),
                per_channel=recipe["per_channel"],
            )
            data = out.read_bytes()
    finally:
        logging.disable(logging.NOTSET)
    write_atomic(folder / INT8_FILE, data)
    record["variants"][INT8.name] = {
        "file": INT8_FILE,
        "sha256": _sha256_bytes(data),
        "bytes": len(data),
        "from": record["variants"][FP32.name]["sha256"],
        "recipe": RECIPES[INT8.name],
        "onnx": onnx.__version__,
    }
    _write_record(folder, record)
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="export a sentence-transformers model's transformer to ONNX")
    parser.add_argument("--model", required=True, help="the model setting (names the cache folder)")
    parser.add_argument("--source", required=True, help="the model's local folder")
    parser.add_argument("--out", required=True, help="the cache folder to write")
    parser.add_argument("--variant", choices=sorted(VARIANTS), default=FP32.name)
    args = parser.parse_args(argv)
    try:
        make(args.model, Path(args.source), Path(args.out), args.variant)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
