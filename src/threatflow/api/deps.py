"""Dependencies shared by routers: the process's Core and the signed-in principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from threatflow.core import Core
from threatflow.errors import AuthError
from threatflow.users.service import Principal


def get_core(request: Request) -> Core:
    core: Core = request.app.state.core
    return core


def _token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    if request.url.path.endswith("/events") and request.query_params.get("token"):
        return request.query_params["token"]  # EventSource cannot send headers
    raise AuthError("missing bearer token: send 'Authorization: Bearer <token>'")


def get_principal(request: Request, core: Annotated[Core, Depends(get_core)]) -> Principal:
    return core.users.authenticate(_token(request))


CoreDep = Annotated[Core, Depends(get_core)]
UserDep = Annotated[Principal, Depends(get_principal)]
