"""Placement, the request: what to place and where it may go, validated once, by pydantic.

``PlacementRequest`` is the placement tool's argument model (``tools.args._PlacementFilters``: the same
fields, types and messages as ``plan_placement`` / ``deploy`` arguments) plus what callers inside the
tools add: named ``clusters``, ``exclude`` and ``credit[(cluster, instance_type)]`` = nodes to count as
free (an update replacing its own usage). Counts default to 1, ``prefer`` to cost. A wrong value is an
``InvalidRequest`` naming the argument.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from tools.args import Count, LowerPrefer, _PlacementFilters
from tools.errors import InvalidRequest
from tools.registry import explain


class PlacementRequest(_PlacementFilters):
    """What to place and where it may go (see the module docstring)."""

    model_config = ConfigDict(frozen=True)

    model: Annotated[str, Field(min_length=1)]
    count: Count = 1
    replicas: Count = 1
    prefer: LowerPrefer = Field(default="cost", validate_default=True)
    clusters: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    credit: dict[tuple[str, str], int] = Field(default_factory=dict)
    # ``clusters`` and ``exclude`` as sets, made on first use (placement asks once per cluster); each
    # remembers the tuple it was made from, so a ``model_copy(update=...)`` never reads a stale set
    _sets: dict[str, tuple[tuple[str, ...], frozenset[str]]] = PrivateAttr(default_factory=dict)

    def _as_set(self, field: str, names: tuple[str, ...]) -> frozenset[str]:
        made = self._sets.get(field)
        if made is None or made[0] is not names:
            made = self._sets[field] = (names, frozenset(names))
        return made[1]

    def listed(self, cluster: str) -> bool:
        """``cluster`` may be considered: no ``clusters`` were named, or it is one of them."""
        return self.clusters is None or cluster in self._as_set("clusters", self.clusters)

    def excluded(self, cluster: str) -> bool:
        return bool(self.exclude) and cluster in self._as_set("exclude", self.exclude)

    @model_validator(mode="before")
    @classmethod
    def _unset_is_default(cls, raw: Any) -> Any:
        """``None`` means "not given" (callers pass optional arguments through as they are)."""
        return {k: v for k, v in raw.items() if v is not None} if isinstance(raw, dict) else raw

    @field_validator("clusters")
    @classmethod
    def _distinct(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if v is None else tuple(dict.fromkeys(v))

    @field_validator("credit", mode="before")
    @classmethod
    def _credit_keys(cls, v: Any) -> Any:
        """Keys ``(cluster, instance_type)`` or ``"cluster/instance_type"``; repeated keys add up."""
        if not isinstance(v, dict):
            return v
        out: dict[Any, int] = {}
        for k, n in v.items():
            key = tuple(k.split("/", 1)) if isinstance(k, str) else tuple(k)
            out[key] = out.get(key, 0) + int(n)
        return out

    @classmethod
    def coerce(cls, req: Any = None, **kwargs: Any) -> PlacementRequest:
        """From a PlacementRequest, a tool argument model (the fields placement uses), a dict, and/or
        keyword arguments. ``InvalidRequest`` when an argument is unknown or wrong."""
        if isinstance(req, cls) and not kwargs:
            return req
        if isinstance(req, cls):
            raw = dict(req)
        elif isinstance(req, BaseModel):  # a tool's arguments: keep the ones placement uses
            raw = {k: v for k, v in req.model_dump(exclude_none=True).items() if k in cls.model_fields}
        else:
            raw = dict(req or {})
        raw.update(kwargs)
        try:
            return cls.model_validate(raw)
        except ValidationError as e:
            raise InvalidRequest(explain(e)) from None

    def filters(self) -> dict[str, Any]:
        """The filters and options that were given (for renderings and JSON)."""
        out: dict[str, Any] = {}
        for f in ("environment", "geo", "region", "provider", "gpu", "instance_type",
                  "max_cost_per_hour"):
            if getattr(self, f) is not None:
                out[f] = getattr(self, f)
        if self.clusters is not None:
            out["clusters"] = list(self.clusters)
        if self.exclude:
            out["exclude"] = list(self.exclude)
        if self.credit:
            out["credit"] = {f"{c}/{t}": n for (c, t), n in self.credit.items()}
        return out
