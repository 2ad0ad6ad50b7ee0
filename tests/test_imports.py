"""`import assistant` stays light: no torch, sentence-transformers, faiss or gradio."""

import subprocess
import sys


def test_import_is_light():
    code = ("import sys, assistant, assistant.cli, assistant.schema, assistant.settings, assistant.service; "
            "heavy = [m for m in ('torch', 'sentence_transformers', 'faiss', 'gradio', 'transformers') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_no_model_is_loaded_at_construction():
    code = ("import sys; from assistant.service import Assistant; a = Assistant(); "
            "print('torch' in sys.modules, a._index is None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False True"
