"""Mass sends' monthly count per person: WeChat delivers at most 4 a month to each follower.

The count is taken with the claim (a conditional UPDATE below the limit, or the month's
first row), before the call, and given back when WeChat certainly did not deliver.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.broadcast.claims import rowcount
from core.broadcast.models import MassSendUsage
from core.broadcast.plan import MASS_MONTHLY_LIMIT

MASS_ALONE = "群发至少需要两位接收人，本次只剩一人"
MASS_CHUNK = 10_000  # WeChat's cap on openids per mass send


def take(session: Session, person_id: int, month: str) -> bool:
    """Count one mass send for the person this month, unless they had 4 already."""
    bump = (
        update(MassSendUsage)
        .where(
            MassSendUsage.person_id == person_id,
            MassSendUsage.month == month,
            MassSendUsage.count < MASS_MONTHLY_LIMIT,
        )
        .values(count=MassSendUsage.count + 1)
        .execution_options(synchronize_session=False)
    )
    if rowcount(session.execute(bump)) == 1:
        return True
    mine = (MassSendUsage.person_id == person_id, MassSendUsage.month == month)
    if session.scalar(select(func.count()).where(*mine)):
        return False
    try:
        with session.begin_nested():
            session.execute(insert(MassSendUsage).values(person_id=person_id, month=month, count=1))
        return True
    except IntegrityError:  # another broadcast counted them first
        return rowcount(session.execute(bump)) == 1


def give_back(session: Session, person_ids: list[int], month: str) -> None:
    session.execute(
        update(MassSendUsage)
        .where(
            MassSendUsage.person_id.in_(person_ids),
            MassSendUsage.month == month,
            MassSendUsage.count > 0,
        )
        .values(count=MassSendUsage.count - 1)
        .execution_options(synchronize_session=False)
    )
