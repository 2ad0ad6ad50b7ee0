"""Security defaults: loopback only and no share link unless told; nothing is unpickled;
feedback writes stay in their folder; no secrets; no network calls at run time (a fresh
process builds, answers and serves with networking patched to fail)."""

from __future__ import annotations

import inspect
import ipaddress
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "assistant"


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a LISTEN socket on port, from /proc/net/tcp{,6}."""
    found = set()
    for table, size in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            addr_hex, port_hex = local.split(":")
            if int(port_hex, 16) != port or state != "0A":  # 0A = LISTEN
                continue
            raw = bytes.fromhex(addr_hex)
            # the kernel prints each 32-bit word in host (little-endian) order
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(str(ipaddress.ip_address(raw if size == 16 else raw[:4])))
    return found


# -- binding and sharing ---------------------------------------------------------------------
def test_serve_defaults_are_local_and_unshared():
    from assistant import ui
    from assistant.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" and args.share is False and args.open is False
    for fn in (ui.serve, ui.launch):
        params = inspect.signature(fn).parameters
        assert params["host"].default == "127.0.0.1" and params["share"].default is False
    assert re.search(r"^HOST \?= 127\.0\.0\.1$", (ROOT / "Makefile").read_text(), re.M)


def test_launched_server_listens_on_loopback_only(settings):
    """The app as `assistant serve` launches it: the socket is bound to 127.0.0.1, no share link."""
    from assistant import ui
    from assistant.service import Assistant

    port = free_port()
    demo = ui.build_app(Assistant(settings))  # nothing is asked: the model need not load
    try:
        _, url, share_url = ui.launch(demo, port=port)
        assert share_url is None and demo.share_url is None and not demo.share
        assert url.startswith(f"http://127.0.0.1:{port}")
        if Path("/proc/net/tcp").exists():
            assert listening_addresses(port) == {"127.0.0.1"}
        for addr in _own_addresses():  # another interface of this machine cannot connect
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.settimeout(2)
                assert s.connect_ex((addr, port)) != 0, f"reachable on {addr}"
    finally:
        demo.close()


def _own_addresses() -> list[str]:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # UDP: picks the outgoing interface, sends nothing
            addr = s.getsockname()[0]
    except OSError:
        return []
    return [] if addr.startswith("127.") else [addr]


# -- nothing is unpickled ----------------------------------------------------------------------
def test_no_pickle_anywhere_in_the_package():
    risky = re.compile(
        r"\b(import pickle|from pickle|pickle\.|cPickle|joblib|dill\b|shelve|marshal\.load|"
        r"torch\.load|allow_pickle\s*=\s*True|trust_remote_code\s*=\s*True|(?<![.\w])eval\(|(?<![.\w])exec\()"
    )
    hits = []
    for path in PACKAGE.rglob("*.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if risky.search(code):
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
            if re.search(r"\bnp\.load\(", code) and "allow_pickle=False" not in code:
                hits.append(f"{path.relative_to(ROOT)}:{n}: np.load without allow_pickle=False")
    assert not hits, hits


def test_libraries_load_without_pickle(settings, assistant):
    import bm25s
    import numpy as np

    from assistant.model_layout import resolve_model
    from assistant.settings import DEFAULT_MODEL

    assert inspect.signature(bm25s.BM25.load).parameters["allow_pickle"].default is False
    lexical = (PACKAGE / "lexical.py").read_text()
    assert "allow_pickle=True" not in lexical
    model_dir = Path(resolve_model(DEFAULT_MODEL))
    weights = [p.name for p in model_dir.rglob("*") if p.suffix in (".bin", ".pt", ".pth", ".pkl", ".ckpt", ".pickle")]
    assert not weights and list(model_dir.glob("*.safetensors")), weights
    build = (settings.index_dir / "current").resolve()
    for npy in build.rglob("*.npy"):
        arr = np.load(npy, allow_pickle=False)  # plain numeric arrays: loads without pickle
        assert arr.dtype != object
    assert not [p for p in build.rglob("*") if p.suffix in (".pkl", ".pickle", ".joblib")]


# -- feedback stays in its folder ----------------------------------------------------------------
def test_feedback_writes_stay_in_their_folder(tmp_path, assistant):
    from assistant import ui
    from assistant.feedback import FeedbackError, FeedbackLog

    folder = tmp_path / "fb"
    log = FeedbackLog(folder / "feedback.jsonl")
    outside = tmp_path / "outside.txt"
    outside.write_text("untouched")
    hostile = ["../../x", "../outside.txt", "/etc/passwd", "a\nb", '\u2028{"vote": "up"}', "\x00"]
    for q in hostile:
        log.vote(vote=True, question=q, answer=q, message=q, audience=q, citations=[{"doc_id": q}])
    assert sorted(p.name for p in folder.iterdir()) == ["feedback.jsonl", "feedback.jsonl.lock"]
    lines = log.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(hostile) and [json.loads(x)["question"] for x in lines] == hostile
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fb", "outside.txt"]
    # the UI's vote handler: whatever index a client sends, nothing else is written
    app = ui.ChatApp(assistant, log)
    records = {
        "1": {"question": "q", "answer": "", "citations": [], "audience": "parent", "abstained": True, "message": ""}
    }
    for index in ("../../x", -1, 10**12, ["../x"], None, {"a": 1}):
        assert app.vote(True, index, records) == "That message has no answer to rate."
    assert sorted(p.name for p in folder.iterdir()) == ["feedback.jsonl", "feedback.jsonl.lock"]
    # a symlink planted out of the folder is refused; its target is not written
    log.path.unlink()
    log.path.symlink_to(outside)
    with pytest.raises(FeedbackError):
        log.vote(vote=False, question="q")
    with pytest.raises(FeedbackError):
        FeedbackLog(folder / "feedback.jsonl")
    assert outside.read_text() == "untouched"


# -- no secrets ------------------------------------------------------------------------------------
SECRET = re.compile(
    r"(hf_[A-Za-z0-9]{30,}|AKIA[0-9A-Z]{16}|sk-[A-Za-z0-9]{32,}|ghp_[A-Za-z0-9]{30,}|"
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|xox[baprs]-[A-Za-z0-9-]{10,}|"
    r"(?i:(api[_-]?key|secret|password|token)\s*[:=]\s*['\"][^'\"\s]{8,}['\"]))"
)


def test_no_secrets_in_the_sources():
    paths = [
        *PACKAGE.rglob("*.py"),
        *PACKAGE.rglob("*.json"),
        *(ROOT / "tests").glob("*.py"),
        *(ROOT / "docs_src").iterdir(),
        ROOT / "Makefile",
        ROOT / "pyproject.toml",
        ROOT / "README.md",
        *(ROOT / ".ci").glob("*"),
    ]
    hits = []
    for path in paths:
        if path.is_file() and path.name != Path(__file__).name:
            for m in SECRET.finditer(path.read_text(encoding="utf-8", errors="replace")):
                hits.append(f"{path.relative_to(ROOT)}: {m.group(0)[:20]}…")
    assert not hits, hits


# -- no network, no unpickling at run time ---------------------------------------------------------
GUARD = textwrap.dedent("""
    import _pickle, json, os, pickle, socket, sys
    BLOCKED = []

    def _loopback(host):
        if isinstance(host, bytes):
            host = host.decode()
        if host is None or host in ("localhost", "::1", "0:0:0:0:0:0:0:1"):
            return True
        return isinstance(host, str) and host.startswith("127.")

    def _target(address):
        return address[0] if isinstance(address, tuple) else address

    _connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
    _create, _getaddrinfo = socket.create_connection, socket.getaddrinfo

    def connect(self, address):
        if self.family == getattr(socket, "AF_UNIX", None) or _loopback(_target(address)):
            return _connect(self, address)
        BLOCKED.append(f"connect {address!r}")
        raise OSError(101, "network disabled by the test")

    def connect_ex(self, address):
        if self.family == getattr(socket, "AF_UNIX", None) or _loopback(_target(address)):
            return _connect_ex(self, address)
        BLOCKED.append(f"connect_ex {address!r}")
        return 101

    def create_connection(address, *args, **kwargs):
        if not _loopback(_target(address)):
            BLOCKED.append(f"create_connection {address!r}")
            raise OSError(101, "network disabled by the test")
        return _create(address, *args, **kwargs)

    def getaddrinfo(host, *args, **kwargs):
        if not _loopback(host):
            BLOCKED.append(f"getaddrinfo {host!r}")
            raise socket.gaierror(-3, "network disabled by the test")
        return _getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    socket.create_connection, socket.getaddrinfo = create_connection, getaddrinfo

    UNPICKLED = []

    def _refuse(*args, **kwargs):
        UNPICKLED.append("".join(__import__("traceback").format_stack(limit=6)))
        raise RuntimeError("unpickling disabled by the test")

    class _RefusingUnpickler(pickle.Unpickler):
        def __init__(self, *args, **kwargs):
            _refuse()

    for mod in (pickle, _pickle):
        mod.load = mod.loads = _refuse
        mod.Unpickler = _RefusingUnpickler
""")

RUN = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from assistant.service import Assistant
    from assistant.settings import Settings

    # the guards work: an outside connection and an unpickle both fail (then start clean)
    try:
        socket.create_connection(("198.51.100.7", 80), timeout=1)
    except OSError:
        pass
    try:
        pickle.loads(pickle.dumps([1]))
    except RuntimeError:
        pass
    assert len(BLOCKED) == 1 and len(UNPICKLED) == 1, (BLOCKED, UNPICKLED)
    BLOCKED.clear()
    UNPICKLED.clear()
    docs, index = Path(sys.argv[1]), Path(sys.argv[2])
    assistant = Assistant(Settings(docs_dir=docs, index_dir=index), log=lambda m: None)
    resp = assistant.ask("Which genes cause cerebellar hypoplasia?")  # builds the index first
    top = resp.passages[0].chunk.text
    # the UI on loopback, asked through its HTTP API
    from assistant import ui
    from gradio_client import Client

    demo = ui.build_app(assistant)
    _, url, share = ui.launch(demo, port=int(sys.argv[3]))
    # the test's own client (not the assistant) would ask the Hub for telemetry and an agent
    # registry: it is told it is offline, so what is blocked comes from the assistant alone
    import huggingface_hub.constants as hub

    hub.HF_HUB_OFFLINE = hub.HF_HUB_DISABLE_TELEMETRY = True
    try:
        client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
        api = client.predict("What is the incidence of opsoclonus-myoclonus syndrome?", [], "parent",
                             api_name="/ask")
        time.sleep(2)  # let any background thread (update checks, telemetry) try its luck
    finally:
        demo.close()
    print(json.dumps({"blocked": BLOCKED, "unpickled": UNPICKLED, "top": top, "share": share,
                      "api_error": api.get("error"), "api_passages": [p["text"] for p in api["passages"]]}))
""")


def test_no_network_and_no_unpickling_at_run_time(tmp_path, docs_copy):
    """A fresh process, networking and unpickling patched to fail, with no offline variables
    of our own: it builds the index, loads the model, answers, and serves the API on loopback."""
    script = tmp_path / "offline_run.py"
    script.write_text(GUARD + RUN)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "GRADIO_", "ASSISTANT_"))}
    env.update({"ASSISTANT_FEEDBACK": str(tmp_path / "fb" / "feedback.jsonl"), "PYTHONPATH": str(ROOT)})
    if os.environ.get("ASSISTANT_CACHE_DIR"):
        env["ASSISTANT_CACHE_DIR"] = os.environ["ASSISTANT_CACHE_DIR"]
    proc = subprocess.run(
        [sys.executable, str(script), str(docs_copy), str(tmp_path / "index"), str(free_port())],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["blocked"] == [], out["blocked"]
    assert out["unpickled"] == [], out["unpickled"][0]
    assert all(g in out["top"] for g in ("CACNA1A", "ITPR1", "KIF1A"))
    assert out["share"] is None and out["api_error"] is None
    assert any("0.18 cases per million" in t for t in out["api_passages"])
