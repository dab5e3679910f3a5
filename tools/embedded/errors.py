"""Errors of the embedded API server, each rendered as a ``metav1.Status`` body like kube-apiserver's."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Cause:
    field: str
    message: str
    reason: str = "FieldValueInvalid"

    def as_dict(self) -> dict:
        return {"reason": self.reason, "message": self.message, "field": self.field}


class ApiError(Exception):
    code = 500
    reason = "InternalError"

    def __init__(self, message: str, *, kind: str = "", name: str = "", group: str = "",
                 causes: list[Cause] | None = None):
        super().__init__(message)
        self.message, self.kind, self.name, self.group = message, kind, name, group
        self.causes = causes or []

    def status(self) -> dict:
        body = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        details: dict = {}
        if self.name:
            details["name"] = self.name
        if self.group:
            details["group"] = self.group
        if self.kind:
            details["kind"] = self.kind
        if self.causes:
            details["causes"] = [c.as_dict() for c in self.causes]
        if details:
            body["details"] = details
        return body


class BadRequest(ApiError):
    code, reason = 400, "BadRequest"


class Forbidden(ApiError):
    code, reason = 403, "Forbidden"


class NotFound(ApiError):
    code, reason = 404, "NotFound"


class MethodNotAllowed(ApiError):
    code, reason = 405, "MethodNotAllowed"


class AlreadyExists(ApiError):
    code, reason = 409, "AlreadyExists"


class Conflict(ApiError):
    code, reason = 409, "Conflict"


class Invalid(ApiError):
    code, reason = 422, "Invalid"


class UnsupportedMediaType(ApiError):
    code, reason = 415, "UnsupportedMediaType"


def not_found(resource: str, name: str, group: str = "") -> NotFound:
    gr = f"{resource}.{group}" if group else resource
    return NotFound(f'{gr} "{name}" not found', kind=resource, name=name, group=group)


def invalid(kind: str, name: str, group: str, causes: list[Cause]) -> Invalid:
    gk = f"{kind}.{group}" if group else kind
    detail = ", ".join(f"{c.field}: {c.message}" for c in causes)
    return Invalid(f'{gk} "{name}" is invalid: {detail}', kind=kind, name=name, group=group, causes=causes)

