"""Record factories: `factories.person(...)`, `factories.staff(...)`; each commits."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from core.booking.models import Station, StationHours
from core.jobs.models import Event, JobPosting
from core.people.models import HandoverRequest, Person
from core.staff.accounts import create_user
from core.staff.models import DISTRICT_ADMIN, StaffUser
from core.timeutil import LOCAL_TZ, utcnow

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

    def job_posting(
        self,
        *,
        employer: str = "测试汽车零部件公司",
        title: str | None = None,
        town: str = "安亭镇",
        industry: str = "制造业",
        pay_min: int | None = 6000,
        pay_max: int | None = 9000,
        valid_until: date | None = None,
        **fields: object,
    ) -> JobPosting:
        """An open posting valid for 30 more days (Asia/Shanghai)."""
        posting = JobPosting(
            employer=employer,
            title=title or f"测试岗位{next(_seq)}",
            town=town,
            industry=industry,
            pay_min=pay_min,
            pay_max=pay_max,
            valid_until=valid_until or utcnow().astimezone(LOCAL_TZ).date() + timedelta(days=30),
            **fields,
        )
        self.session.add(posting)
        self.session.commit()
        return posting

    def event(
        self,
        *,
        kind: str = "job_fair",
        title: str | None = None,
        starts_at: datetime | None = None,
        hours: int = 3,
        capacity: int = 50,
        **fields: object,
    ) -> Event:
        """A job fair 7 days ahead at 09:30, 3 hours long, with 50 places.

        A fixed time of day keeps the event inside one day whenever the tests run: the
        console form holds one day with a start and an end time.
        """
        day = utcnow().astimezone(LOCAL_TZ).date() + timedelta(days=7)
        starts = starts_at or datetime.combine(day, time(9, 30), tzinfo=LOCAL_TZ)
        event = Event(
            kind=kind,
            title=title or f"测试招聘会{next(_seq)}",
            starts_at=starts,
            ends_at=fields.pop("ends_at", None) or starts + timedelta(hours=hours),
            address=fields.pop("address", None) or "嘉定区测试路1号",
            town=fields.pop("town", None) or "安亭镇",
            capacity=capacity,
            **fields,
        )
        self.session.add(event)
        self.session.commit()
        return event
