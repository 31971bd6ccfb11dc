"""Every ORM model of the results service, imported so that its metadata is complete."""

from results.database import Base, metadata
from results.inspections.models import Inspection

__all__ = ["Base", "Inspection", "metadata"]
