"""Imports every model module so that the metadata Alembic compares against is complete."""

from xinyong import calendar_store, ratelimit
from xinyong.accounts import models as accounts_models
from xinyong.audit import models as audit_models
from xinyong.catalog import models as catalog_models
from xinyong.collection import models as collection_models
from xinyong.db.base import Base
from xinyong.disclosure import models as disclosure_models
from xinyong.institutions import models as institutions_models
from xinyong.lists import models as lists_models
from xinyong.objections import models as objections_models
from xinyong.publicity import models as publicity_models
from xinyong.repair import models as repair_models
from xinyong.subjects import models as subjects_models

__all__ = [
    "Base",
    "accounts_models",
    "audit_models",
    "calendar_store",
    "catalog_models",
    "collection_models",
    "disclosure_models",
    "institutions_models",
    "lists_models",
    "objections_models",
    "publicity_models",
    "ratelimit",
    "repair_models",
    "subjects_models",
]
