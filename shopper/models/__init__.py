"""Table models, one module per area. Importing this package registers every table
on `SQLModel.metadata` (Alembic's target)."""

from .base import UTCDateTime, utcnow
from .field import ASSIGNMENT_STATUSES, VISIT_STATUSES, Assignment, Photo, Visit
from .org import CHANNELS, Client, Location, Region
from .questionnaires import QUESTIONNAIRE_STATUSES, Questionnaire
from .reports import ReportDelivery, ReportSchedule
from .review import ReviewEvent
from .scorecards import ScoreDay
from .security import AuthFailure
from .users import ROLES, ManagerRegion, User

__all__ = [
    "ASSIGNMENT_STATUSES",
    "CHANNELS",
    "QUESTIONNAIRE_STATUSES",
    "ROLES",
    "VISIT_STATUSES",
    "Assignment",
    "AuthFailure",
    "Client",
    "Location",
    "ManagerRegion",
    "Photo",
    "Questionnaire",
    "Region",
    "ReportDelivery",
    "ReportSchedule",
    "ReviewEvent",
    "ScoreDay",
    "UTCDateTime",
    "User",
    "Visit",
    "utcnow",
]
