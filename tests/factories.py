"""Record factories: `factories.person(...)`, `factories.staff(...)`; each commits."""

from __future__ import annotations

import itertools
from datetime import datetime, time

from sqlalchemy.orm import Session

from core.models import HandoverRequest, Person, StaffUser, Station, StationHours
from core.models.staff import DISTRICT_ADMIN
from core.services.staff import create_user
from core.timeutil import utcnow

_seq = itertools.count(1)
PASSWORD = "correct-horse-42"


class Factories:
    def __init__(self, session: Session) -> None:
        self.session = session

    def person(
        self,
        openid: str | None = None,
        *,
        subscribed: bool = True,
        last_message_at: datetime | None = None,
        **fields: object,
    ) -> Person:
        person = Person(
            openid=openid or f"o-test-{next(_seq)}",
            subscribed=subscribed,
            last_message_at=last_message_at if last_message_at is not None else utcnow(),
            **fields,
        )
        self.session.add(person)
        self.session.commit()
        return person

    def staff(
        self,
        username: str | None = None,
        *,
        role: str = DISTRICT_ADMIN,
        password: str = PASSWORD,
        station_id: int | None = None,
    ) -> StaffUser:
        user = create_user(
            self.session, username or f"staff{next(_seq)}", password, role, station_id=station_id
        )
        self.session.commit()
        return user

    def station(
        self,
        code: str | None = None,
        *,
        town: str = "安亭镇",
        desks: int = 2,
        latitude: float | None = 31.2946,
        longitude: float | None = 121.163,
        services: tuple[int, ...] = (3, 7, 8),
        **fields: object,
    ) -> Station:
        """A station open Monday to Friday 09:00-11:30 and 13:30-17:00."""
        station = Station(
            code=code or f"T-{next(_seq)}",
            name=fields.pop("name", None) or f"测试服务站{next(_seq)}",
            town=town,
            latitude=latitude,
            longitude=longitude,
            services=list(services),
            desks=desks,
            **fields,
        )
        station.hours = [
            StationHours(weekday=d, opens=o, closes=c)
            for d in range(5)
            for o, c in ((time(9, 0), time(11, 30)), (time(13, 30), time(17, 0)))
        ]
        self.session.add(station)
        self.session.commit()
        return station

    def handover(self, person: Person, note: str = "想咨询一下") -> HandoverRequest:
        request = HandoverRequest(person=person, note=note)
        self.session.add(request)
        self.session.commit()
        return request
