"""Synthetic but valid identifiers for demo data, tests and benchmarks.

Every code produced here carries correct check characters, and the organisation codes
use the 'M' series so they are unlikely to collide with a real registration.
"""

from __future__ import annotations

import datetime as dt
import random

from xinyong.identifiers import (
    citizen_id_check_character,
    organisation_code_check_character,
    uscc_check_character,
)

USCC_BODY_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(rng: random.Random, *, division: str = "350100", prefix: str = "91") -> str:
    organisation_code = "M" + "".join(
        rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7)
    )
    body = (
        prefix + division + organisation_code + organisation_code_check_character(organisation_code)
    )
    return body + uscc_check_character(body)


def make_citizen_id(
    rng: random.Random,
    *,
    division: str = "350102",
    born_between: tuple[dt.date, dt.date] = (dt.date(1950, 1, 1), dt.date(2005, 12, 31)),
) -> str:
    start, end = born_between
    birth = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
    body = division + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return body + citizen_id_check_character(body)
