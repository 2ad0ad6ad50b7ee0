"""``assistant bench --chunks N[,N...]``: which FAISS index a corpus of N vectors should get.

Synthetic normalised vectors (a mixture of clusters, as sentence embeddings are; dim 384)
compare exact search (IndexFlatIP) with HNSW and IVF: build time, memory, single-query latency
and recall@10 against exact search, and the index type ``vector_index`` picks at that size.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .measure import rss_mb, stats, timed


def parse_sizes(text: str) -> list[int]:
    """'10k,100k,1M' or '10000' -> [10000, 100000, 1000000]."""
    out = []
    for part in str(text).replace("_", "").split(","):
        part = part.strip().lower()
        if not part:
            continue
        mult = 1
        if part[-1] in "km":
            mult = 1000 if part[-1] == "k" else 1_000_000
            part = part[:-1]
        try:
            n = int(float(part) * mult)
        except ValueError:
            raise ValueError(f"--chunks takes sizes like 10000 or 10k,100k,1M, got {text!r}") from None
        if n < 100:
            raise ValueError(f"--chunks sizes must be at least 100, got {n}")
        out.append(n)
    if not out:
        raise ValueError("--chunks needs at least one size")
    return out


class SyntheticEmbeddings:
    """Unit vectors shaped like sentence embeddings: a cluster centre plus variation in a shared
    low-rank subspace plus a little isotropic noise,

        x = normalise(CENTRE_W * c_j + z @ W + NOISE_W * e / sqrt(dim)),
        c_j a random unit centre (n_clusters of them), z ~ N(0, I_rank), W ~ N(0, 1/rank),
        e ~ N(0, I_dim).

    The constants were set so that at 10,000 vectors IVF100 and HNSW32 reach about the recall@10
    they reach on the real SciFact chunk vectors of all-MiniLM-L6-v2 (IVF nprobe 1/4/16: 0.68/0.90/0.95
    synthetic vs 0.63/0.88/0.98 real; HNSW efSearch 32: 0.99 vs 1.00). Well-separated Gaussian
    clusters would make approximate search look far better than it is on real text."""

    RANK = 24
    CENTRE_W = 12.0
    NOISE_W = 3.0

    def __init__(self, dim: int, n_clusters: int, rng: np.random.Generator) -> None:
        self.dim, self.rng = dim, rng
        self.w = rng.standard_normal((self.RANK, dim), dtype=np.float32) / np.sqrt(self.RANK)
        c = rng.standard_normal((n_clusters, dim), dtype=np.float32)
        self.centres = c / np.linalg.norm(c, axis=1, keepdims=True)

    def sample(self, n: int, block: int = 100_000) -> np.ndarray:
        out = np.empty((n, self.dim), dtype=np.float32)
        for s in range(0, n, block):
            m = min(block, n - s)
            x = self.CENTRE_W * self.centres[self.rng.integers(0, len(self.centres), m)]
            x += self.rng.standard_normal((m, self.RANK), dtype=np.float32) @ self.w
            x += (self.NOISE_W / np.sqrt(self.dim)) * self.rng.standard_normal((m, self.dim), dtype=np.float32)
            x /= np.linalg.norm(x, axis=1, keepdims=True)
            out[s : s + m] = x
        return out


def _latency(index, queries: np.ndarray, k: int) -> tuple[dict[str, float], np.ndarray]:
    for q in queries[:5]:
        index.search(q[None, :], k)
    ms, found = [], []
    for q in queries:
        t0 = time.perf_counter()
        _, ids = index.search(q[None, :], k)
        ms.append((time.perf_counter() - t0) * 1000)
        found.append(ids[0])
    return stats(ms), np.vstack(found)


def _recall(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth)]))


def scale_one(
    n: int,
    dim: int = 384,
    n_queries: int = 200,
    k: int = 10,
    seed: int = 0,
    hnsw_max: int = 200_000,
    n_clusters: int | None = None,
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
) -> dict[str, Any]:
    """Exact vs approximate search on n synthetic vectors; every row measured on this machine."""
    import faiss

    from ..vector_index import HNSW_FROM, faiss_type

    rng = np.random.default_rng(seed)
    n_clusters = n_clusters or max(8, n // 200)
    gen = SyntheticEmbeddings(dim, n_clusters, rng)
    base_rss = rss_mb()
    xb = gen.sample(n)
    xq = gen.sample(n_queries)
    rows: list[dict[str, Any]] = []

    def measure(label: str, make: Callable[[], Any], kind: str, **extra) -> Any:
        before = rss_mb()
        index, build_s = timed(make)
        mem = rss_mb() - before
        lat, found = _latency(index, xq, k)
        row = {
            "index": label,
            "kind": kind,
            "build_s": build_s,
            "memory_mb": mem,
            "p50_ms": lat["p50"],
            "p95_ms": lat["p95"],
            "recall@10": _recall(found, truth, k) if truth is not None else 1.0,
            **extra,
        }
        rows.append(row)
        log(f"  N={n:,} {label}: build {build_s:.1f} s, p50 {lat['p50']:.2f} ms, recall@10 {row['recall@10']:.3f}")
        return index

    truth = None
    log(f"N={n:,}: exact search ...")

    def make_flat():
        ix = faiss.IndexFlatIP(dim)
        ix.add(xb)
        return ix

    flat = measure("FlatIP (exact)", make_flat, "flat")
    _, truth = flat.search(xq, k)
    rows[0]["recall@10"] = 1.0
    del flat
    if n <= hnsw_max:
        log(f"N={n:,}: HNSW32 ...")

        def make_hnsw():
            ix = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            ix.hnsw.efConstruction = 80
            ix.hnsw.efSearch = 128
            ix.add(xb)
            return ix

        hnsw = measure("HNSW32 (efC 80, efSearch 128)", make_hnsw, "hnsw")
        for ef in (32, 64, 256):
            hnsw.hnsw.efSearch = ef
            lat, found = _latency(hnsw, xq, k)
            rows.append(
                {
                    "index": f"HNSW32 efSearch {ef}",
                    "kind": "hnsw",
                    "build_s": None,
                    "memory_mb": None,
                    "p50_ms": lat["p50"],
                    "p95_ms": lat["p95"],
                    "recall@10": _recall(found, truth, k),
                }
            )
        del hnsw
    nlist = max(16, int(round(np.sqrt(n))))
    log(f"N={n:,}: IVF{nlist} ...")

    def make_ivf():
        quantizer = faiss.IndexFlatIP(dim)
        ix = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        train = xb if n <= 50 * nlist else xb[rng.choice(n, 50 * nlist, replace=False)]
        ix.train(train)
        ix.add(xb)
        return ix

    ivf = measure(f"IVF{nlist},Flat nprobe 1", make_ivf, "ivf", nprobe=1)
    for nprobe in (4, 16, 64):
        if nprobe >= nlist:
            break
        ivf.nprobe = nprobe
        lat, found = _latency(ivf, xq, k)
        rows.append(
            {
                "index": f"IVF{nlist},Flat nprobe {nprobe}",
                "kind": "ivf",
                "build_s": None,
                "memory_mb": None,
                "p50_ms": lat["p50"],
                "p95_ms": lat["p95"],
                "recall@10": _recall(found, truth, k),
                "nprobe": nprobe,
            }
        )
    del ivf
    return {
        "n": n,
        "dim": dim,
        "queries": n_queries,
        "clusters": n_clusters,
        "chosen": faiss_type(n),
        "hnsw_from": HNSW_FROM,
        "data_rss_mb": rss_mb() - base_rss,
        "rows": rows,
        "hnsw_skipped": n > hnsw_max,
    }


def format_scale(results: list[dict[str, Any]], budget_ms: float) -> str:
    from ..vector_index import HNSW_FROM

    lines = []
    for r in results:
        lines.append(
            f"N = {r['n']:,} vectors, dim {r['dim']} (synthetic, {r['clusters']} clusters + rank-"
            f"{SyntheticEmbeddings.RANK} variation), {r['queries']} single-vector queries, recall@10 "
            "against exact search; memory = RSS growth while building"
        )
        head = f"{'index':<34}{'build s':>9}{'memory MB':>11}{'p50 ms':>9}{'p95 ms':>9}{'recall@10':>11}"
        lines += [head, "-" * len(head)]
        for row in r["rows"]:
            b = "" if row["build_s"] is None else f"{row['build_s']:.1f}"
            m = "" if row["memory_mb"] is None else f"{row['memory_mb']:.0f}"
            lines.append(
                f"{row['index']:<34}{b:>9}{m:>11}{row['p50_ms']:>9.2f}{row['p95_ms']:>9.2f}{row['recall@10']:>11.3f}"
            )
        if r["hnsw_skipped"]:
            lines.append("(HNSW not built at this size: over --hnsw-max; see the 100k row for its build rate)")
        lines.append(f"the project uses {r['chosen']} at this size (vector_index.HNSW_FROM = {HNSW_FROM:,})")
        lines.append("")
    flats = [(r["n"], next(x for x in r["rows"] if x["kind"] == "flat")["p95_ms"]) for r in results]
    if flats:
        # exact search is a linear scan: fit ms = a * n through the measured sizes
        a = sum(ms * n for n, ms in flats) / sum(n * n for n, _ in flats)
        lines.append(
            f"exact search costs about {a * 100_000:.1f} ms (p95) per 100,000 vectors here; it passes "
            f"{budget_ms:.0f} ms at about {budget_ms / a:,.0f} vectors (vector_index.HNSW_FROM = {HNSW_FROM:,})"
        )
    return "\n".join(lines)
