"""ui/gradio_import.py: Gradio imported without its stub writer, and working as usual."""

import subprocess
import sys


def _run(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()


def test_the_stub_writer_is_skipped_and_components_still_work():
    code = (
        "import sys; from assistant.ui.gradio_import import import_gradio, _SkipStubWriter; "
        "gr = import_gradio(); import gradio.component_meta as meta; "
        "print(meta.create_or_modify_pyi.__name__); "
        "print(any(isinstance(f, _SkipStubWriter) for f in sys.meta_path)); "
        "box = gr.Textbox(label='q'); print(callable(box.submit), 'submit' in [str(e) for e in gr.Textbox.EVENTS]); "
        "print(import_gradio() is gr)"
    )
    lines = _run(code)
    assert lines[0] == "_skip_stubs"
    assert lines[1] == "False"  # the finder removed itself
    assert lines[2] == "True True"  # the component classes got their events as usual
    assert lines[3] == "True"


def test_gradio_imported_before_is_left_as_it_is():
    code = (
        "import gradio; from assistant.ui.gradio_import import import_gradio; "
        "import gradio.component_meta as meta; print(import_gradio() is gradio, meta.create_or_modify_pyi.__name__)"
    )
    assert _run(code) == ["True create_or_modify_pyi"]
