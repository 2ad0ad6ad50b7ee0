"""tiktoken's cl100k_base loads offline from the project cache."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_encoding_loads_with_networking_blocked():
    code = textwrap.dedent("""
        import socket
        def refuse(*a, **k):
            raise OSError("network disabled in this test")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        from assistant.tokens import get_encoding
        print(get_encoding("cl100k_base").encode("Opsoclonus-myoclonus syndrome"))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[40004, 511, 12490, 355, 62596, 511, 12490, 355, 28439]"


def test_missing_file_gives_a_clear_message(tmp_path):
    code = textwrap.dedent(f"""
        import os
        os.environ["TIKTOKEN_CACHE_DIR"] = {str(tmp_path)!r}
        from assistant.tokens import get_encoding, TokenizerUnavailable
        try:
            get_encoding("cl100k_base")
        except TokenizerUnavailable as exc:
            print("MESSAGE:", exc)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "MESSAGE:" in out.stdout and "assistant provision" in out.stdout
