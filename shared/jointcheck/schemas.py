"""The project's one base model for request, response, contract and event schemas.

Every pydantic model of the services and of :mod:`jointcheck.contracts` derives from
:class:`Schema`, so what all of them share is said once. The shared configuration changes
no payload's validation: ``from_attributes`` only lets a schema be read from an ORM row
(``XRead.model_validate(row)``) as well as from a dict. Rules of one schema (``extra``,
``frozen``, validators) stay on that schema.

A renamed request field keeps its old name for one release: the schema derives from
:class:`Renaming`, lists it in ``renamed`` (old → new) and declares it with
:func:`deprecated_name`, so the OpenAPI shows it as deprecated; a request may use either name,
not both. (Only such schemas carry the validator that moves old names: a schema listing
``renamed`` without deriving from :class:`Renaming` is refused when it is defined.)
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator


def deprecated_name(new: str, *, since: str = "0.2.0", **kw: Any) -> Any:
    """The ``Field`` of an old request field name, accepted for one release after ``since``:
    documented as deprecated, moved to ``new`` on input, never output."""
    return Field(
        None,
        description=f"deprecated since API {since}: the old name of `{new}` / 已弃用，请改用 `{new}`",
        json_schema_extra={"deprecated": True},
        exclude=True,
        **kw,
    )


class Schema(BaseModel):
    """Base of every schema: ``XCreate`` / ``XUpdate`` / ``XRead``, action bodies, contracts, events."""

    model_config = ConfigDict(from_attributes=True)

    #: Old request field name → its new name, both accepted (declare the old with :func:`deprecated_name`;
    #: the schema derives from :class:`Renaming`).
    renamed: ClassVar[dict[str, str]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.renamed and not issubclass(cls, Renaming):
            raise TypeError(f"{cls.__name__} lists renamed fields: derive it from jointcheck.schemas.Renaming")


class Renaming(Schema):
    """A schema with :attr:`Schema.renamed` fields: the old names are moved to the new on input.

    Only such schemas carry the validator that does it: every other schema (nested models,
    pages of them) is validated without a Python call per instance."""

    @model_validator(mode="before")
    @classmethod
    def _accept_old_names(cls, data: Any) -> Any:
        if not cls.renamed or not isinstance(data, dict):
            return data
        data = dict(data)
        for old, new in cls.renamed.items():
            if old not in data:
                continue
            if new in data:
                raise ValueError(f"give `{new}` or its deprecated name `{old}`, not both")
            data[new] = data.pop(old)
        return data
