"""Imports every model module so that the metadata Alembic compares against is complete."""

from xinyong.accounts import models as accounts_models
from xinyong.audit import models as audit_models
from xinyong.db.base import Base
from xinyong.subjects import models as subjects_models

__all__ = ["Base", "accounts_models", "audit_models", "subjects_models"]
