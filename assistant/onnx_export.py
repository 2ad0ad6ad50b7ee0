"""The one-time ONNX export of a sentence-transformers model, and its int8 quantisation.

Export is the only step that needs torch. It runs in a child process (``python -m
assistant.onnx_export``, started by ``onnx_cache.load_verified`` under the model folder's lock),
so that the process asking questions never imports torch, transformers or
sentence-transformers. The exported transformer is kept only when the ONNX encoder agrees with
sentence-transformers on the ``PROBES`` texts; ``onnx_cache.py`` says where the files go and
records what made them.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from .onnx_cache import (
    FP32,
    FP32_FILE,
    INT8,
    INT8_FILE,
    OPSET,
    RECIPES,
    RECORD_FORMAT,
    TOKENIZER_FILE,
    VARIANTS,
    ExportError,
    check,
    read_record,
    source_fingerprint,
    write_atomic,
    write_record,
)
from .store import sha256_file

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


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make(model_name: str, source: Path, folder: Path, variant_name: str) -> None:
    """Make what is missing for ``variant_name``: the float32 export, then the int8 file if asked.
    Call with the folder's lock held (``load_verified`` does, around the child running this)."""
    variant = VARIANTS[variant_name]
    for leftover in folder.glob(".*.tmp"):  # from a run that was killed; the lock is ours
        leftover.unlink(missing_ok=True)
    if check(folder, source, FP32)[0] is None:
        export(model_name, source, folder)
    if variant is INT8 and check(folder, source, INT8)[0] is None:
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

    from .model_layout import ModelLayout
    from .sentence_pipeline import SentencePipeline

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
    write_record(folder, record)
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
    write_record(folder, record)
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
