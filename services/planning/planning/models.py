"""Every ORM model of the planning service, imported so that its metadata is complete."""

from planning.checklists.models import Checklist, ChecklistEntry, ChecklistVersion
from planning.database import Base, metadata
from planning.items.models import CheckItem, CheckItemVersion
from planning.plans.models import Plan, PlanTransition
from planning.tasks.models import Task, TaskTransition

__all__ = [
    "Base",
    "CheckItem",
    "CheckItemVersion",
    "Checklist",
    "ChecklistEntry",
    "ChecklistVersion",
    "Plan",
    "PlanTransition",
    "Task",
    "TaskTransition",
    "metadata",
]
