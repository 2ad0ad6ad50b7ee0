"""``assistant beir DATASET_DIR``: score the retrieval layer on a public benchmark in BEIR layout.

DATASET_DIR holds ``corpus.jsonl`` (``_id``, ``title``, ``text``), ``queries.jsonl`` (``_id``,
``text``) and ``qrels/<split>.tsv`` (``query-id corpus-id score``, a header row, CRLF or LF).

Indexing (into ``<index>/beir/<dataset-name>/``, never the main index; reused while the corpus
file's sha256 and the settings are unchanged; nothing of the corpus text is stored):

- dense: each document is ``title: text``; a document longer than the model reads (256 word
  pieces with its special tokens) is cut into sentence-aligned chunks that each fit, every
  chunk prefixed with the title, one sentence of overlap. Chunks are embedded in batches
  (sorted by length, so little padding) and added to the FAISS index batch by batch, with a
  progress bar: the vectors exist once, in the index. A document's score is the best score
  of its chunks.
- BM25: bm25s over ``title text`` of the whole document, tokenised by
  ``assistant.lexical.tokenize`` (the project's stemmer and stop words).
- hybrid: weighted reciprocal rank fusion of the two document rankings,
  ``score(d) = w_dense / (rrf_k + rank_dense(d)) + 1 / (rrf_k + rank_bm25(d))``, over the top
  ``depth`` documents of each. ``rrf_k`` and ``w_dense`` are tuned on the dataset's dev split
  (else train), never on the split that is reported.

Scoring follows BEIR (pytrec_eval semantics, see assistant.metrics.evaluate_run): only the
queries in the split's qrels count; nDCG@10 with graded gains, recall@100, MRR@10.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from .metrics import evaluate_run

BEIR_INDEX_VERSION = 1
DEPTH = 1000  # documents kept per retriever and query (BEIR retrieves the top 1000)
DEFAULT_RRF_K = 60
DEFAULT_W_DENSE = 1.0
RRF_K_GRID = (5, 10, 20, 30, 45, 60, 90, 120)
W_DENSE_GRID = (0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0)
RETRIEVERS = ("hybrid", "dense", "bm25")
EMBED_GROUP = 512  # chunks embedded and added to FAISS per step
_SENT_RE = re.compile(r"(?<=[.!?])\s+")


# -- reading -----------------------------------------------------------------------------------
def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """query-id -> {corpus-id: score} from a BEIR qrels TSV (header row optional, CRLF or LF)."""
    qrels: dict[str, dict[str, int]] = {}
    with Path(path).open(encoding="utf-8", newline="") as fh:
        for n, line in enumerate(fh, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            cols = line.split("\t")
            if len(cols) < 3:
                raise ValueError(f"{path}, line {n}: expected 3 tab-separated columns (query-id corpus-id score)")
            qid, did, score = cols[0].strip(), cols[1].strip(), cols[-1].strip()
            try:
                rel = int(float(score))
            except ValueError:
                if n == 1:
                    continue  # the header row
                raise ValueError(f"{path}, line {n}: score {score!r} is not a number") from None
            qrels.setdefault(qid, {})[did] = rel
    return qrels


def read_queries(path: Path) -> dict[str, str]:
    queries = {}
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    obj = json.loads(line)
                    queries[str(obj["_id"])] = str(obj.get("text") or "")
                except (ValueError, KeyError) as exc:
                    raise ValueError(f"{path}, line {n}: not a query object with _id and text ({exc})") from None
    return queries


def iter_corpus(path: Path) -> Iterator[tuple[str, str, str]]:
    """(doc_id, title, text) per line, streamed."""
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    obj = json.loads(line)
                    yield str(obj["_id"]), str(obj.get("title") or ""), str(obj.get("text") or "")
                except (ValueError, KeyError) as exc:
                    raise ValueError(f"{path}, line {n}: not a document object with _id ({exc})") from None


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class Dataset:
    root: Path
    name: str
    corpus: Path
    queries: dict[str, str]

    @classmethod
    def open(cls, root: str | Path) -> "Dataset":
        root = Path(root)
        if not root.is_dir():
            raise ValueError(f"{root} is not a folder")
        for need in ("corpus.jsonl", "queries.jsonl", "qrels"):
            if not (root / need).exists():
                raise ValueError(f"{root} is not in BEIR layout: {need} is missing")
        return cls(root, root.resolve().name, root / "corpus.jsonl", read_queries(root / "queries.jsonl"))

    def splits(self) -> list[str]:
        return sorted(p.stem for p in (self.root / "qrels").glob("*.tsv"))

    def qrels(self, split: str) -> dict[str, dict[str, int]]:
        path = self.root / "qrels" / f"{split}.tsv"
        if not path.is_file():
            raise ValueError(f"no qrels for split {split!r} in {self.root}; have: {', '.join(self.splits()) or 'none'}")
        qrels = read_qrels(path)
        return {q: r for q, r in qrels.items() if q in self.queries}


# -- chunking ----------------------------------------------------------------------------------
class DocChunker:
    """Sentence-aligned pieces of ``title: text`` that fit the model (special tokens included)."""

    def __init__(self, tokenizer, max_tokens: int) -> None:
        self.tok = tokenizer
        self.max_tokens = int(max_tokens)

    def count(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(ids) for ids in self.tok(texts, add_special_tokens=False, truncation=False)["input_ids"]]

    def chunks(self, title: str, text: str) -> list[str]:
        from ..chunking import embed_text

        title, text = " ".join(title.split()), " ".join(text.split())
        if not text:
            return [title]
        special = 2  # [CLS] ... [SEP]
        whole = embed_text(title, text)
        if self.count([whole])[0] + special <= self.max_tokens:
            return [whole]
        prefix = self.count([embed_text(title, "x")])[0] - 1 if title else 0
        if self.max_tokens - special - prefix < 48:  # an enormous title: leave it out of the chunks
            title, prefix = "", 0
        budget = self.max_tokens - special - prefix
        units: list[tuple[str, int]] = []
        sentences = [s for s in _SENT_RE.split(text) if s]
        for sent, n in zip(sentences, self.count(sentences)):
            if n <= budget:
                units.append((sent, n))
            else:
                units.extend(self._split_words(sent, budget))
        pieces: list[str] = []
        i = 0
        while i < len(units):
            j, used = i, 0
            while j < len(units) and used + units[j][1] <= budget:
                used += units[j][1]
                j += 1
            j = max(j, i + 1)
            pieces.append(" ".join(u for u, _ in units[i:j]))
            if j >= len(units):
                break
            # one sentence of overlap when it is short enough to leave room for new text
            i = j - 1 if j - 1 > i and units[j - 1][1] <= budget // 3 else j
        out = [embed_text(title, p) for p in pieces]
        # BERT pre-tokenisation splits on spaces, so counts add up; check anyway
        for k, n in enumerate(self.count(out)):
            if n + special > self.max_tokens:
                out[k] = self._truncate(out[k])
        return out

    def _split_words(self, sentence: str, budget: int) -> list[tuple[str, int]]:
        words = sentence.split(" ")
        counts = self.count(words)
        out, cur, used = [], [], 0
        for w, n in zip(words, counts):
            if cur and used + n > budget:
                out.append((" ".join(cur), used))
                cur, used = [], 0
            if n > budget:  # one absurd "word": keep what fits
                w, n = self._truncate_text(w, budget), budget
            cur.append(w)
            used += n
        if cur:
            out.append((" ".join(cur), used))
        return out

    def _truncate_text(self, text: str, budget: int) -> str:
        enc = self.tok(text, add_special_tokens=False, truncation=False, return_offsets_mapping=True)
        offsets = enc["offset_mapping"][:budget]
        return text[:offsets[-1][1]] if offsets else ""

    def _truncate(self, text: str) -> str:
        return self._truncate_text(text, self.max_tokens - 2)


# -- the index ---------------------------------------------------------------------------------
@dataclass
class BeirIndex:
    path: Path
    doc_ids: list[str]
    row_doc: np.ndarray  # FAISS row -> document number
    dense: Any
    bm25: Any
    manifest: dict[str, Any]
    built: bool = False
    seconds: float = 0.0


def index_folder(settings, dataset: Dataset) -> Path:
    return Path(settings.index_dir) / "beir" / dataset.name


def _fingerprint(settings, corpus_sha: str, max_tokens: int) -> dict[str, Any]:
    """What a benchmark index depends on: its own chunker (BEIR_INDEX_VERSION), the model, the
    embedded-text format, the BM25 tokenisation (stop words, stemmer) and the corpus file. Not
    the main pipeline's version: the main index's cleaning and chunking play no part here."""
    import bm25s

    from ..chunking import embed_text
    from ..lexical import stopwords

    tok = hashlib.sha256(("\n".join(stopwords()) + "|stemmer=english|" + bm25s.__version__).encode()).hexdigest()
    return {"beir_index_version": BEIR_INDEX_VERSION, "model": settings.model, "max_tokens": max_tokens,
            "embed_text": embed_text("T", "x"), "corpus_sha256": corpus_sha, "bm25": "bm25s lucene k1=1.5 b=0.75",
            "tokenizer": f"assistant.lexical.tokenize sha256:{tok[:16]}"}


def open_index(settings, dataset: Dataset, embedder, progress: bool = True, log=print) -> BeirIndex:
    """Load the dataset's index, building it first when missing or out of date."""
    import faiss
    from filelock import FileLock

    from ..lexical import BM25Index

    t0 = time.perf_counter()
    folder = index_folder(settings, dataset)
    main_index = Path(settings.index_dir).resolve()
    if folder.resolve() == main_index or folder.resolve() in (main_index / "current", main_index / "builds"):
        raise ValueError(f"refusing to write a benchmark index over the main index {main_index}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    corpus_sha = file_sha256(dataset.corpus)
    want = _fingerprint(settings, corpus_sha, embedder.max_seq_length)
    with FileLock(str(folder.parent / f".{dataset.name}.lock"), timeout=3600):
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("fingerprint") == want:
                dense = faiss.read_index(str(folder / "dense.faiss"))
                row_doc = np.load(folder / "row_doc.npy", allow_pickle=False)
                doc_ids = json.loads((folder / "doc_ids.json").read_text(encoding="utf-8"))
                bm25 = BM25Index.load(folder / "bm25")
                if dense.ntotal == len(row_doc) and bm25.size == len(doc_ids):
                    log(f"using the index in {folder} ({len(doc_ids)} documents, {dense.ntotal} chunks)")
                    return BeirIndex(folder, doc_ids, row_doc, dense, bm25, manifest, False,
                                     time.perf_counter() - t0)
                log(f"index in {folder} is inconsistent; rebuilding")
            else:
                log(f"index in {folder} was built from another corpus or settings; rebuilding")
        except FileNotFoundError:
            log(f"no index for {dataset.name} yet; building it in {folder}")
        except (OSError, ValueError, RuntimeError, KeyError) as exc:
            log(f"index in {folder} is unreadable ({exc}); rebuilding")
        built = build(settings, dataset, embedder, folder, want, progress, log)
    built.seconds = time.perf_counter() - t0
    return built


def build(settings, dataset: Dataset, embedder, folder: Path, fingerprint: dict[str, Any], progress: bool,
          log) -> BeirIndex:
    import faiss

    from ..indexer import empty_faiss_index, faiss_type
    from ..lexical import BM25Index

    t0 = time.perf_counter()
    chunker = DocChunker(embedder.warm_up().tokenizer, embedder.max_seq_length)
    doc_ids: list[str] = []
    bm25_texts: list[str] = []
    chunk_texts: list[str] = []
    chunk_doc: list[int] = []
    docs = iter_corpus(dataset.corpus)
    if progress:
        from tqdm import tqdm

        docs = tqdm(docs, desc="chunking", unit="doc", file=sys.stderr)
    seen: set[str] = set()
    for doc_id, title, text in docs:
        if doc_id in seen:
            raise ValueError(f"{dataset.corpus}: document id {doc_id!r} appears twice")
        seen.add(doc_id)
        d = len(doc_ids)
        doc_ids.append(doc_id)
        bm25_texts.append(f"{title} {text}".strip())
        for piece in chunker.chunks(title, text):
            chunk_texts.append(piece)
            chunk_doc.append(d)
    if not doc_ids:
        raise ValueError(f"{dataset.corpus} has no documents")
    t_chunk = time.perf_counter() - t0
    log(f"{len(doc_ids)} documents -> {len(chunk_texts)} chunks of at most {embedder.max_seq_length} word pieces "
        f"({t_chunk:.1f} s); BM25 index ...")
    bm25 = BM25Index.build(bm25_texts, show_progress=False)
    del bm25_texts
    t_bm25 = time.perf_counter() - t0 - t_chunk
    # embed longest first in groups: little padding, and each vector goes straight into FAISS
    order = sorted(range(len(chunk_texts)), key=lambda i: -len(chunk_texts[i]))
    dense = empty_faiss_index(embedder.dimension, len(order))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(order), desc="embedding", unit="chunk", file=sys.stderr)
    for start in range(0, len(order), EMBED_GROUP):
        rows = order[start:start + EMBED_GROUP]
        vectors = embedder.encode([chunk_texts[i] for i in rows])
        dense.add(vectors)
        if bar is not None:
            bar.update(len(rows))
    if bar is not None:
        bar.close()
    row_doc = np.asarray([chunk_doc[i] for i in order], dtype=np.int32)
    t_embed = time.perf_counter() - t0 - t_chunk - t_bm25
    manifest = {"fingerprint": fingerprint, "dataset": str(dataset.root.resolve()),
                "counts": {"documents": len(doc_ids), "chunks": len(order),
                           "documents_chunked": int(np.count_nonzero(np.bincount(row_doc) > 1))},
                "faiss": faiss_type(len(order)),
                "seconds": {"chunking": t_chunk, "bm25": t_bm25, "embedding": t_embed},
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    tmp = folder.parent / f".tmp-{dataset.name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    try:
        faiss.write_index(dense, str(tmp / "dense.faiss"))
        np.save(tmp / "row_doc.npy", row_doc, allow_pickle=False)
        (tmp / "doc_ids.json").write_text(json.dumps(doc_ids), encoding="utf-8")
        bm25.save(tmp / "bm25")
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        old = None
        if folder.exists():
            old = folder.parent / f".old-{dataset.name}-{uuid.uuid4().hex[:8]}"
            os.rename(folder, old)
        os.rename(tmp, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    log(f"indexed in {time.perf_counter() - t0:.1f} s (chunking {t_chunk:.1f}, BM25 {t_bm25:.1f}, "
        f"embedding {t_embed:.1f}) -> {folder}")
    return BeirIndex(folder, doc_ids, row_doc, dense, bm25, manifest, True)


# -- retrieval ---------------------------------------------------------------------------------
@dataclass
class Rankings:
    """Per query, document numbers best first, with their scores."""

    docs: dict[str, np.ndarray] = field(default_factory=dict)
    scores: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0


def dense_rankings(index: BeirIndex, embedder, queries: dict[str, str], depth: int = DEPTH) -> Rankings:
    t0 = time.perf_counter()
    out = Rankings()
    qids = list(queries)
    if not qids:
        return out
    n_chunks = index.dense.ntotal
    per_doc = max(1.0, n_chunks / max(1, len(index.doc_ids)))
    n = min(n_chunks, int(depth * per_doc * 2) + 10)
    for start in range(0, len(qids), 256):
        batch = qids[start:start + 256]
        vectors = embedder.encode([queries[q] for q in batch])
        scores, rows = index.dense.search(vectors, n)
        for qid, srow, rrow in zip(batch, scores, rows):
            valid = rrow >= 0
            docs = index.row_doc[rrow[valid]]
            s = srow[valid]
            # rows come best first: the first time a document appears is its best chunk
            _, first = np.unique(docs, return_index=True)
            first.sort()
            out.docs[qid] = docs[first][:depth]
            out.scores[qid] = s[first][:depth].astype(np.float64)
    out.seconds = time.perf_counter() - t0
    return out


def bm25_rankings(index: BeirIndex, queries: dict[str, str], depth: int = DEPTH) -> Rankings:
    t0 = time.perf_counter()
    out = Rankings()
    for qid, text in queries.items():
        hits = index.bm25.search(text, depth)
        out.docs[qid] = np.asarray([r for r, _ in hits], dtype=np.int64)
        out.scores[qid] = np.asarray([s for _, s in hits], dtype=np.float64)
    out.seconds = time.perf_counter() - t0
    return out


def fuse(dense: Rankings, lexical: Rankings, rrf_k: float = DEFAULT_RRF_K, w_dense: float = DEFAULT_W_DENSE,
         depth: int = DEPTH) -> Rankings:
    """Weighted RRF per query: w_dense / (rrf_k + rank_dense) + 1 / (rrf_k + rank_bm25), ranks from 1."""
    t0 = time.perf_counter()
    out = Rankings()
    for qid in dense.docs.keys() | lexical.docs.keys():
        dd = dense.docs.get(qid, np.zeros(0, np.int64))[:depth]
        ld = lexical.docs.get(qid, np.zeros(0, np.int64))[:depth]
        ids = np.concatenate([dd, ld])
        contrib = np.concatenate([w_dense / (rrf_k + np.arange(1, len(dd) + 1)),
                                  1.0 / (rrf_k + np.arange(1, len(ld) + 1))])
        uniq, inv = np.unique(ids, return_inverse=True)
        total = np.zeros(len(uniq))
        np.add.at(total, inv, contrib)
        order = np.lexsort((uniq, -total))[:depth]  # score descending, ties by document number
        out.docs[qid] = uniq[order]
        out.scores[qid] = total[order]
    out.seconds = time.perf_counter() - t0
    return out


def to_run(index: BeirIndex, rankings: Rankings, depth: int = DEPTH) -> dict[str, dict[str, float]]:
    """{qid: {doc_id: score}} as BEIR hands it to pytrec_eval."""
    return {qid: {index.doc_ids[int(d)]: float(s) for d, s in zip(docs[:depth], rankings.scores[qid][:depth])}
            for qid, docs in rankings.docs.items()}


def score(index: BeirIndex, rankings: Rankings, qrels: dict[str, dict[str, int]], depth: int = DEPTH
          ) -> dict[str, float]:
    return evaluate_run(to_run(index, rankings, depth), qrels, ndcg_k=10, recall_k=100, mrr_k=10)


def tune_hybrid(index: BeirIndex, dense: Rankings, lexical: Rankings, qrels: dict[str, dict[str, int]],
                rrf_ks: Sequence[float] = RRF_K_GRID, w_denses: Sequence[float] = W_DENSE_GRID
                ) -> tuple[dict[str, float], list[dict[str, float]]]:
    """The (rrf_k, w_dense) with the best nDCG@10 on these qrels (ties: the smaller change from 60 / 1.0)."""
    grid = []
    for k in rrf_ks:
        for w in w_denses:
            m = score(index, fuse(dense, lexical, k, w), qrels, depth=10)  # nDCG@10 needs the top 10 only
            grid.append({"rrf_k": k, "w_dense": w, "ndcg@10": m["ndcg@10"]})
    best = max(grid, key=lambda g: (round(g["ndcg@10"], 6), -abs(g["rrf_k"] - DEFAULT_RRF_K),
                                    -abs(g["w_dense"] - DEFAULT_W_DENSE)))
    return best, grid


# -- command -----------------------------------------------------------------------------------
def _limit(qrels: dict[str, dict[str, int]], n: int | None) -> dict[str, dict[str, int]]:
    if not n:
        return qrels
    return dict(list(qrels.items())[:n])


def run(settings, dataset_dir: str | Path, split: str = "test", retrievers: Sequence[str] = RETRIEVERS,
        embedder=None, tune_split: str | None = "auto", limit: int | None = None, progress: bool = True,
        log=None) -> dict[str, Any]:
    """Index (or reuse), retrieve and score; returns {"dataset", "split", "queries", ..., "results": {name: {...}}}."""
    from ..embedding import Embedder

    log = log or (lambda m: print(m, file=sys.stderr))
    t0 = time.perf_counter()
    dataset = Dataset.open(dataset_dir)
    qrels = _limit(dataset.qrels(split), limit)
    if not qrels:
        raise ValueError(f"split {split!r} of {dataset.name} has no query that is in queries.jsonl")
    embedder = embedder or Embedder(settings.model, settings.batch_size)
    index = open_index(settings, dataset, embedder, progress=progress, log=log)
    queries = {q: dataset.queries[q] for q in qrels}
    need_dense = any(r in ("dense", "hybrid") for r in retrievers)
    need_bm25 = any(r in ("bm25", "hybrid") for r in retrievers)
    dense = dense_rankings(index, embedder, queries) if need_dense else None
    lexical = bm25_rankings(index, queries) if need_bm25 else None
    params: dict[str, Any] = {"rrf_k": DEFAULT_RRF_K, "w_dense": DEFAULT_W_DENSE, "depth": DEPTH, "tuned_on": None}
    tune_info: dict[str, Any] = {}
    if "hybrid" in retrievers:
        if tune_split == "auto":
            tune_split = next((s for s in ("dev", "train") if s != split and s in dataset.splits()), None)
        if tune_split and tune_split != split:
            t1 = time.perf_counter()
            tq = dataset.qrels(tune_split)
            tqueries = {q: dataset.queries[q] for q in tq}
            best, grid = tune_hybrid(index, dense_rankings(index, embedder, tqueries),
                                     bm25_rankings(index, tqueries), tq)
            params.update(rrf_k=best["rrf_k"], w_dense=best["w_dense"], tuned_on=tune_split)
            tune_info = {"split": tune_split, "queries": len(tq), "best": best,
                         "default": next(g for g in grid if g["rrf_k"] == DEFAULT_RRF_K
                                         and g["w_dense"] == DEFAULT_W_DENSE),
                         "seconds": time.perf_counter() - t1}
            log(f"hybrid tuned on {tune_split} ({len(tq)} queries): rrf_k={best['rrf_k']}, "
                f"w_dense={best['w_dense']} (nDCG@10 {best['ndcg@10']:.4f} vs "
                f"{tune_info['default']['ndcg@10']:.4f} at rrf_k=60, w_dense=1)")
        elif tune_split == split:
            raise ValueError("tune on another split than the one reported")
    results: dict[str, dict[str, Any]] = {}
    for name in retrievers:
        if name == "dense":
            ranks, secs = dense, dense.seconds
        elif name == "bm25":
            ranks, secs = lexical, lexical.seconds
        else:
            ranks = fuse(dense, lexical, params["rrf_k"], params["w_dense"])
            secs = dense.seconds + lexical.seconds + ranks.seconds
        m = score(index, ranks, qrels)
        rec = {"dataset": dataset.name, "split": split, "retriever": name, "queries": m["queries"],
               "ndcg@10": m["ndcg@10"], "recall@100": m["recall@100"], "mrr@10": m["mrr@10"],
               "search_seconds": secs}
        if name == "hybrid":
            rec["params"] = dict(params)
            if params["tuned_on"]:
                untuned = score(index, fuse(dense, lexical, DEFAULT_RRF_K, DEFAULT_W_DENSE), qrels)
                rec["untuned"] = {"rrf_k": DEFAULT_RRF_K, "w_dense": DEFAULT_W_DENSE,
                                  **{k: untuned[k] for k in ("ndcg@10", "recall@100", "mrr@10")}}
                rec["tuning"] = tune_info
        results[name] = rec
    seconds = time.perf_counter() - t0
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    for rec in results.values():
        rec["seconds"] = seconds
        rec["cpu_seconds"] = usage.ru_utime + usage.ru_stime  # of the whole process: load-independent
        rec["index_seconds"] = index.seconds
        rec["index_built"] = index.built
    return {"dataset": dataset.name, "split": split, "queries": len(qrels), "seconds": seconds,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "index": {"path": str(index.path), "built": index.built, "seconds": index.seconds,
                      **index.manifest.get("counts", {})}, "results": results}


PUBLISHED = {  # nDCG@10 on test, from ../shared/benchmarks/README.md
    "scifact": {"BM25 (BEIR paper)": 0.665, "BM25 Anserini flat": 0.679, "BM25 bm25s (MTEB)": 0.687,
                "all-MiniLM-L6-v2 (MTEB)": 0.645},
    "nfcorpus": {"BM25 (BEIR paper)": 0.325, "BM25 Anserini flat": 0.322, "BM25 bm25s (MTEB)": 0.321,
                 "all-MiniLM-L6-v2 (MTEB)": 0.316},
}


def format_table(out: dict[str, Any]) -> str:
    lines = [f"{out['dataset']} / {out['split']}: {out['queries']} queries; index "
             f"{'built' if out['index']['built'] else 'reused'} in {out['index']['seconds']:.1f} s "
             f"({out['index'].get('documents', '?')} documents, {out['index'].get('chunks', '?')} chunks); "
             f"total {out['seconds']:.1f} s wall, {out['cpu_seconds']:.0f} s CPU", ""]
    head = f"{'retriever':<28}{'nDCG@10':>9}{'recall@100':>12}{'MRR@10':>9}{'search s':>10}"
    lines += [head, "-" * len(head)]
    for name, r in out["results"].items():
        label = name
        if name == "hybrid" and r["params"]["tuned_on"]:
            label = f"hybrid (k={r['params']['rrf_k']:g}, w={r['params']['w_dense']:g})"
        lines.append(f"{label:<28}{r['ndcg@10']:>9.4f}{r['recall@100']:>12.4f}{r['mrr@10']:>9.4f}"
                     f"{r['search_seconds']:>10.1f}")
        if "untuned" in r:
            u = r["untuned"]
            lines.append(f"{'hybrid (k=60, w=1, untuned)':<28}{u['ndcg@10']:>9.4f}{u['recall@100']:>12.4f}"
                         f"{u['mrr@10']:>9.4f}{'':>10}")
    pub = PUBLISHED.get(out["dataset"])
    if pub and out["split"] == "test":
        lines += ["", "published nDCG@10 (test): " + ", ".join(f"{k} {v:.3f}" for k, v in pub.items())]
    return "\n".join(lines)


def main(args, settings) -> int:
    from .qa import apply_threads

    threads = apply_threads(getattr(args, "threads", None))
    if threads:
        print(f"torch threads: {threads}", file=sys.stderr)
    retriever = getattr(args, "retriever", "hybrid") or "hybrid"
    names = list(RETRIEVERS) if retriever == "all" else [retriever]
    tune = getattr(args, "tune_split", "auto")
    out = run(settings, args.dataset_dir, split=args.split, retrievers=names,
              tune_split=None if tune == "none" else tune, limit=getattr(args, "limit", None),
              progress=not getattr(args, "quiet", False))
    print(format_table(out))
    json_path = getattr(args, "json_path", None)
    if json_path:
        data: Any = out["results"][names[0]] if len(names) == 1 else out["results"]
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(data, indent=2), encoding="utf-8")
        print(f"\nmetrics written to {json_path}")
    return 0
