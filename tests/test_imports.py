"""`import assistant` stays light: no torch, sentence-transformers, faiss or gradio."""

import re
import subprocess
import sys
from pathlib import Path


def test_import_is_light():
    code = (
        "import sys, assistant, assistant.cli, assistant.commands, assistant.schema, assistant.documents, "
        "assistant.settings, assistant.service; "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'faiss', 'gradio', 'transformers') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_no_model_is_loaded_at_construction():
    code = (
        "import sys; from assistant.service import Assistant; a = Assistant(); "
        "print('torch' in sys.modules, a._index is None)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False True"


def test_the_product_never_imports_the_tools(settings, assistant):
    """Answering a question (index built by the session fixture) loads no module of the
    evaluation tools, and no product module imports them."""
    code = (
        "import sys; from assistant.service import Assistant; from assistant.settings import Settings; "
        f"r = Assistant(Settings(docs_dir={str(settings.docs_dir)!r}, index_dir={str(settings.index_dir)!r}))"
        ".ask('Which genes cause cerebellar hypoplasia?'); "
        "print(sorted(m for m in sys.modules if m.startswith('assistant.evaluation')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
    package = Path(__file__).resolve().parent.parent / "assistant"
    for module in package.rglob("*.py"):
        if "evaluation" in module.relative_to(package).parts or module.name == "commands.py":
            continue  # the CLI's handlers dispatch to the tools' commands, lazily
        imports = re.findall(r"^\s*(?:from|import)\s+(\S+)", module.read_text(encoding="utf-8"), re.M)
        assert not [name for name in imports if "evaluation" in name], module
