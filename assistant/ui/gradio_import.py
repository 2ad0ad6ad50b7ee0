"""Importing Gradio without its import-time stub writer.

At import, Gradio 6 passes every component class it defines through
``gradio.component_meta.create_or_modify_pyi``, which reads and parses the class's source file,
renders a template of its event methods and rewrites the ``.pyi`` type stub beside it in
site-packages. The stubs serve editors, never the running app, and the step is about 1.4 of the
3.2 s that ``import gradio`` takes on the project's 2-core machine (``python -X importtime``;
README, "Speed"). ``import_gradio`` imports Gradio with that one function replaced by a no-op,
and otherwise unchanged; if Gradio is already imported, or no longer has the function, it is
imported as it is.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
import threading
from types import ModuleType

STUB_MODULE = "gradio.component_meta"
STUB_WRITER = "create_or_modify_pyi"
_lock = threading.Lock()


def _skip_stubs(*args, **kwargs) -> None:
    """Stands in for Gradio's stub writer: the stubs on disk stay as installed."""


class _SkipStubWriter(importlib.abc.MetaPathFinder):
    """Finds ``gradio.component_meta`` as usual and, once its code has run, swaps the stub
    writer for ``_skip_stubs`` before any component class is defined with it."""

    def find_spec(self, name, path=None, target=None):
        if name != STUB_MODULE:
            return None
        _remove(self)  # the real finders find the module; this finder is done
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            if callable(getattr(module, STUB_WRITER, None)):
                setattr(module, STUB_WRITER, _skip_stubs)

        spec.loader.exec_module = exec_module
        return spec


def _remove(finder: _SkipStubWriter) -> None:
    try:
        sys.meta_path.remove(finder)
    except ValueError:
        pass


def import_gradio() -> ModuleType:
    """The ``gradio`` module, imported (once) without writing its type stubs."""
    with _lock:
        if "gradio" not in sys.modules:
            finder = _SkipStubWriter()
            sys.meta_path.insert(0, finder)
            try:
                import gradio  # noqa: F401
            finally:
                _remove(finder)
    return sys.modules["gradio"]
