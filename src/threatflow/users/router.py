"""Sign in and out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from threatflow.api.deps import CoreDep, UserDep

router = APIRouter(prefix="/auth", tags=["auth"])


class Login(BaseModel):
    username: str = Field(..., min_length=1, max_length=100)
    password: str = Field(..., min_length=1, max_length=1000)


@router.post("/login")
def login(body: Login, core: CoreDep) -> dict[str, Any]:
    token, user = core.users.login(body.username, body.password)
    return {"token": token, "user": user.as_dict()}


@router.post("/logout", status_code=204)
def logout(request: Request, user: UserDep, core: CoreDep) -> Response:
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    core.users.logout(token)
    return Response(status_code=204)


@router.get("/me")
def me(user: UserDep) -> dict[str, Any]:
    return user.as_dict()
