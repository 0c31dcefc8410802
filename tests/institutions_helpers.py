"""Builders for the permission matrix (tests/test_permission_matrix.py): each commits what
it adds, so that every caller meets the same rows."""

from __future__ import annotations

import itertools
import random
from typing import Any

from tests.factories import InstitutionFactory, World, bind
from xinyong.synthetic import make_uscc

_rng = random.Random(2628)
_numbers = itertools.count(1)


def _new_institution(world: World) -> str:
    """A fresh active institution (a status change as the allowed caller then always has
    an active one to suspend)."""
    bind(world.session, world.clock)
    entry = InstitutionFactory(filing_number=f"闽信备-矩阵-{next(_numbers)}")
    world.session.commit()
    return entry.uscc


def matrix_institution(world: World) -> dict[str, Any]:
    return {"uscc": _new_institution(world)}


def matrix_verify(world: World) -> dict[str, Any]:
    return {"code": _new_institution(world)}


def matrix_new_institution(world: World) -> dict[str, Any]:
    return {
        "uscc": make_uscc(_rng),
        "name": "福州矩阵信用服务有限公司",
        "filing_number": f"闽信备-新-{next(_numbers)}",
        "filing_date": "2026-06-01",
        "business_scope": "信用评价",
        "services": ["信用评价报告"],
    }


def matrix_new_institution_form(world: World) -> dict[str, Any]:
    body = matrix_new_institution(world)
    return {**body, "services": "\n".join(body["services"])}


def matrix_suspension(world: World) -> dict[str, Any]:
    return {"status": "suspended", "reason": "未按期报送年度报告"}


def matrix_amendment(world: World) -> dict[str, Any]:
    return {
        "name": "福州矩阵信用服务有限公司（更名）",
        "business_scope": "信用评价、信用修复咨询",
        "services": ["信用评价报告", "信用修复咨询"],
        "reason": "工商变更登记",
    }


def matrix_amendment_form(world: World) -> dict[str, Any]:
    body = matrix_amendment(world)
    return {**body, "services": "\n".join(body["services"])}
