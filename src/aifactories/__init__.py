"""Linked-data knowledge graph of Europe's EuroHPC AI Factories network."""

__version__ = "0.1.0"
