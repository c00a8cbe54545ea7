"""``aifactories serve``: SPARQL endpoint, dereferenceable linked data and web pages, offline.

``create_app`` builds the ASGI application; ``Settings`` says how it runs.
"""

from aifactories.server.app import create_app
from aifactories.server.site import Settings

__all__ = ["Settings", "create_app"]
