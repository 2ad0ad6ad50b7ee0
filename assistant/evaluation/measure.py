"""How the tools measure and what they run with: timers, latency statistics, memory, timed
child processes, and the encoder threads a measurement uses.

``stats`` gives p50/p95/mean of per-call milliseconds; ``per_call_ms`` times a function over
texts after a short warm-up, ``floor_ms`` each text's fastest of a few calls; ``rss_mb`` is this
process's resident memory; ``process_runs`` times ``python -c CODE`` to its first line of output
and reads the child's own peak memory; ``apply_threads`` pins the encoder's CPU threads for the
embedders made from then on.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from .metrics import percentile

QUIET_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TQDM_DISABLE": "1",
}
# a child that runs CODE and then reports its own peak RSS (VmHWM): getrusage's maxrss survives
# fork + exec on Linux, so it would report the (bigger) parent instead
PEAK = (
    "\nimport sys\nsys.stdout.flush()\nhwm = [l.split()[1] for l in open('/proc/self/status') "
    "if l.startswith('VmHWM:')]\nprint('BENCH_MAXRSS_KB', hwm[0] if hwm else 'nan', file=sys.stderr)\n"
)


def rss_mb() -> float:
    """Current resident set size of this process (MB)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def stats(ms: Sequence[float]) -> dict[str, float]:
    return {
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "mean": statistics.fmean(ms) if ms else float("nan"),
        "n": len(ms),
    }


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def per_call_ms(fn: Callable[[str], Any], texts: Sequence[str]) -> dict[str, float]:
    for text in texts[:5]:
        fn(text)
    ms = []
    for text in texts:
        t0 = time.perf_counter()
        fn(text)
        ms.append((time.perf_counter() - t0) * 1000)
    return stats(ms)


def floor_ms(fn: Callable[[str], Any], texts: Sequence[str], repeats: int = 5) -> dict[str, float]:
    """``stats`` of each text's fastest of ``repeats`` calls: what a call costs without the
    machine's interruptions, to tell a slow kind of text from a slow moment."""
    best = [float("inf")] * len(texts)
    for _ in range(max(1, repeats)):
        for n, text in enumerate(texts):
            t0 = time.perf_counter()
            fn(text)
            best[n] = min(best[n], (time.perf_counter() - t0) * 1000)
    return stats(best)


def process_runs(code: str, args: Sequence[str], runs: int) -> dict[str, Any]:
    """Wall time from launching ``python -c CODE ARGS`` to its first line of output, and its peak RSS."""
    env = {**os.environ, **QUIET_ENV}
    times, peaks = [], []
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", code + PEAK, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        first = proc.stdout.readline()
        elapsed = time.perf_counter() - t0
        _, err = proc.communicate()
        if proc.returncode != 0 or not first.strip():
            raise RuntimeError(f"benchmark process failed ({proc.returncode}): {err.strip()[-500:]}")
        times.append(elapsed)
        peaks += [float(line.split()[1]) / 1024 for line in err.splitlines() if line.startswith("BENCH_MAXRSS_KB")]
    return {"runs_s": times, "median_s": statistics.median(times), "peak_rss_mb": max(peaks) if peaks else float("nan")}


def apply_threads(n: int | str | None) -> int | None:
    """Pin the encoder's CPU threads (``--threads N``; 0 or None: the encoder's default) for the
    embedders made from now on (``$ASSISTANT_ENCODER_THREADS``). ``auto`` uses the cores other
    processes leave idle (1-minute load average), at least 1: on a busy machine more threads than
    free cores make encoding several times slower, not faster. Imports no torch."""
    if n in (None, "", 0, "0"):
        return None
    from ..embedding import THREADS_ENV

    if str(n).strip().lower() == "auto":
        cores = os.cpu_count() or 1
        try:
            busy = os.getloadavg()[0]
        except OSError:
            busy = 0.0
        n = max(1, min(cores, int(cores - busy + 0.5)))
    try:
        n = int(n)
    except ValueError:
        raise ValueError(f"--threads must be a whole number or 'auto', got {n!r}") from None
    if n < 1:
        raise ValueError(f"--threads must be at least 1, got {n}")
    os.environ[THREADS_ENV] = str(n)
    return n
