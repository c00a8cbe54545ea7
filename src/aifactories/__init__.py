"""Linked-data knowledge graph of Europe's EuroHPC AI Factories network."""

__version__ = "0.1.0"

__all__ = ["KnowledgeGraphSession", "Results", "__version__", "open_graph"]


def __getattr__(name: str) -> object:
    """``from aifactories import open_graph``: the notebook API, imported only when asked for
    (the CLI's start-up stays lean)."""
    if name in ("open_graph", "Results", "KnowledgeGraphSession"):
        from aifactories import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'aifactories' has no attribute {name!r}")
