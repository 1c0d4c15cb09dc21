"""Channels: template and subscribe messages where people consented, the monthly mass send,
and the plan staff see before sending (the same rules the ledger is built with)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.broadcast import plan as broadcast_plan
from core.broadcast import send as broadcast_send
from core.broadcast.claims import WINDOW_CLOSED
from core.broadcast.mass import MASS_ALONE
from core.broadcast.models import (
    CUSTOM,
    MASS,
    NONE,
    SENT,
    SKIPPED,
    SUBSCRIBE,
    TEMPLATE,
    MassSendUsage,
    MessageConsent,
)
from core.broadcast.plan import MASS_USED_UP, UNREACHABLE, month_key
from core.broadcast.segments import Segment
from core.timeutil import utcnow
from tests.broadcast.conftest import LONG_AGO, ledger, no_sleep


def _consent(db_session, person, kind, template_id, remaining):
    db_session.add(
        MessageConsent(person_id=person.id, kind=kind, template_id=template_id, remaining=remaining)
    )
    db_session.commit()


def _used(db_session, person, count):
    db_session.add(MassSendUsage(person_id=person.id, month=month_key(utcnow()), count=count))
    db_session.commit()


def _run(db_session, settings, made, transport):
    return broadcast_send.run(db_session, settings, made.id, transport=transport, sleep=no_sleep)


def test_plan_counts_each_channel_before_sending(db_session, subscriber, api_settings):
    settings = api_settings.with_overrides(
        wechat_template_broadcast="TPL-1", wechat_subscribe_template_broadcast="SUB-1"
    )
    subscriber("o-recent")
    _consent(db_session, subscriber("o-tpl", last_message_at=LONG_AGO), TEMPLATE, "TPL-1", None)
    _consent(db_session, subscriber("o-sub", last_message_at=LONG_AGO), SUBSCRIBE, "SUB-1", 1)
    _consent(db_session, subscriber("o-used", last_message_at=LONG_AGO), SUBSCRIBE, "SUB-1", 0)
    _consent(db_session, subscriber("o-other", last_message_at=LONG_AGO), TEMPLATE, "OTHER", None)
    _used(db_session, subscriber("o-mass-full", last_message_at=LONG_AGO), 4)
    _used(db_session, subscriber("o-mass-3", last_message_at=LONG_AGO), 3)
    everyone = Segment("all")

    without = broadcast_plan.preview(db_session, settings, everyone, use_mass=False, now=utcnow())
    assert without.total == 7
    assert dict(without.rows()) == {CUSTOM: 1, TEMPLATE: 1, SUBSCRIBE: 1, NONE: 4}
    assert without.reasons == {UNREACHABLE: 4}

    with_mass = broadcast_plan.preview(db_session, settings, everyone, use_mass=True, now=utcnow())
    assert dict(with_mass.rows()) == {CUSTOM: 1, TEMPLATE: 1, SUBSCRIBE: 1, MASS: 3, NONE: 1}
    assert with_mass.reasons == {MASS_USED_UP: 1}


def test_template_and_subscribe_messages_use_the_consent(
    db_session, subscriber, broadcast, api_settings, wechat_standin
):
    from core.broadcast.delivery import Transport

    settings = api_settings.with_overrides(
        wechat_template_broadcast="TPL-1", wechat_subscribe_template_broadcast="SUB-1"
    )
    _consent(db_session, subscriber("o-tpl", last_message_at=LONG_AGO), TEMPLATE, "TPL-1", None)
    sub = subscriber("o-sub", last_message_at=LONG_AGO)
    _consent(db_session, sub, SUBSCRIBE, "SUB-1", 1)
    made = broadcast(title="金秋招聘月专场招聘会安亭镇站报名开始啦")

    _run(db_session, settings, made, Transport(settings))

    rows = ledger(db_session, made.id)
    assert {o: (r.channel, r.status) for o, r in rows.items()} == {
        "o-tpl": (TEMPLATE, SENT),
        "o-sub": (SUBSCRIBE, SENT),
    }
    template_call = wechat_standin.calls_to("message/template/send")[0].body
    assert template_call["template_id"] == "TPL-1"
    assert len(template_call["data"]["thing1"]["value"]) <= 20
    assert wechat_standin.calls_to("message/subscribe/bizsend")[0].body["template_id"] == "SUB-1"
    one_use = db_session.scalars(select(MessageConsent).where(MessageConsent.person_id == sub.id))
    assert [c.remaining for c in one_use] == [0]  # the one-time consent is spent


def test_mass_send_respects_four_a_month(
    db_session, subscriber, broadcast, api_settings, transport, wechat_standin
):
    fresh = [subscriber(f"o-m{i}", last_message_at=LONG_AGO) for i in range(3)]
    full = subscriber("o-full", last_message_at=LONG_AGO)
    _used(db_session, full, 4)
    _used(db_session, fresh[0], 3)
    made = broadcast(use_mass=True)

    _run(db_session, api_settings, made, transport)

    calls = wechat_standin.calls_to("message/mass/send")
    assert len(calls) == 1
    assert sorted(calls[0].body["touser"]) == ["o-m0", "o-m1", "o-m2"]
    rows = ledger(db_session, made.id)
    assert {o: r.status for o, r in rows.items()} == {
        "o-m0": SENT,
        "o-m1": SENT,
        "o-m2": SENT,
        "o-full": SKIPPED,
    }
    assert rows["o-full"].reason == MASS_USED_UP
    usage = {u.person_id: u.count for u in db_session.scalars(select(MassSendUsage)).all()}
    assert usage == {fresh[0].id: 4, fresh[1].id: 1, fresh[2].id: 1, full.id: 4}

    # A fifth broadcast this month reaches nobody by mass send: fresh[0] is now at 4.
    again = broadcast(use_mass=True)
    _run(db_session, api_settings, again, transport)
    assert sorted(wechat_standin.calls_to("message/mass/send")[1].body["touser"]) == [
        "o-m1",
        "o-m2",
    ]


def test_a_mass_send_needs_two_people(
    db_session, subscriber, broadcast, api_settings, transport, wechat_standin
):
    alone = subscriber("o-alone", last_message_at=LONG_AGO)
    made = broadcast(use_mass=True)

    _run(db_session, api_settings, made, transport)

    assert wechat_standin.calls_to("message/mass/send") == []
    row = ledger(db_session, made.id)["o-alone"]
    assert (row.status, row.reason) == (SKIPPED, MASS_ALONE)
    assert db_session.scalars(select(MassSendUsage)).all() == []
    assert alone.id


def test_the_window_closing_after_planning_skips_rather_than_fails(
    db_session, subscriber, broadcast, api_settings, transport, wechat_standin
):
    subscriber("o-edge", last_message_at=utcnow() - timedelta(hours=47, minutes=59))
    made = broadcast()
    from core.broadcast import ledger as broadcast_ledger

    broadcast_ledger.build(db_session, api_settings, made, utcnow())
    two_minutes_on = lambda: utcnow() + timedelta(minutes=2)  # noqa: E731
    broadcast_send.run(
        db_session, api_settings, made.id, transport=transport, clock=two_minutes_on, sleep=no_sleep
    )
    row = ledger(db_session, made.id)["o-edge"]
    assert (row.status, row.reason) == (SKIPPED, WINDOW_CLOSED)
    assert wechat_standin.delivered_to() == {}
