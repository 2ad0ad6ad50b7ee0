"""Offline retrieval assistant over medical documents: cited passages, extractive answers.

Importing this package is light: torch, sentence-transformers, FAISS and Gradio load when
first needed. Start with ``assistant.service.Assistant``.
"""

from .version import __version__

__all__ = ["__version__", "Assistant"]


def __getattr__(name: str):
    if name == "Assistant":
        from .service import Assistant

        return Assistant
    raise AttributeError(name)
