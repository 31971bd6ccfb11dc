"""The project's one base model for request, response, contract and event schemas.

Every pydantic model of the services and of :mod:`jointcheck.contracts` derives from
:class:`Schema`, so what all of them share is said once. The shared configuration changes
no payload's validation: ``from_attributes`` only lets a schema be read from an ORM row
(``XRead.model_validate(row)``) as well as from a dict. Rules of one schema (``extra``,
``frozen``, validators) stay on that schema.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """Base of every schema: ``XCreate`` / ``XUpdate`` / ``XRead``, action bodies, contracts, events."""

    model_config = ConfigDict(from_attributes=True)
