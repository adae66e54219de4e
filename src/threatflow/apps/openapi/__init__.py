"""Apps generated from OpenAPI 3.0/3.1 and Swagger 2.0 documents.

Importing a document gives an *app spec*: plain JSON data (stored in the database, versioned)
that describes one action per operation, the credential fields its security schemes need and
where each parameter goes. :func:`build_app` turns a spec into an SDK :class:`App` whose
actions validate parameters against their JSON Schema before sending anything::

    result = import_openapi(Path("misp.yaml").read_text(), name="misp")
    for warning in result.warnings:
        print(warning)
    app = build_app(result.app_spec)
    await app.actions["rest_search_attributes"].invoke(ctx, {"body": {"value": "1.2.3.4"}})

See ``docs/openapi-apps.md`` for what is supported and how real-world documents are handled.
"""

from __future__ import annotations

from threatflow.apps.openapi._action import OpenApiAction, build_app
from threatflow.apps.openapi._auth import TokenCache
from threatflow.apps.openapi._importer import ImportResult, import_openapi

__all__ = ["ImportResult", "OpenApiAction", "TokenCache", "build_app", "import_openapi"]
