"""The privacy notice and "what do you keep about me": one text for the chat and the pages.

China's Personal Information Protection Law (个人信息保护法) expects a person to be told,
plainly, what is kept, why, for how long and who sees it, and to be able to see and
delete it. The notice is written here once; the chat (`隐私`), `/m/privacy` and the
menu all show it. The retention figure comes from the settings
(`VETBOT_RETENTION_DAYS`), never from the text, so the notice cannot drift from what
the scheduler's `privacy.retention` job does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import Settings
from core.people.models import OPEN, HandoverRequest, Person
from core.timeutil import local_text


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[str, ...]


def notice_sections(settings: Settings) -> list[Section]:
    """The full notice, for `/m/privacy`."""
    days = settings.retention_days
    return [
        Section(
            "我们保存哪些信息",
            (
                "您的微信识别号（openid，由微信提供，不含姓名、手机号）；是否关注本公众号及关注时间。",
                "您发来的消息和我们的回复，您问过的政策问题。",
                "您主动发送的位置（用于查找最近的服务站）。",
                "您的服务站预约、活动报名、订阅选择、消息授权，以及您的“人工”服务请求。",
            ),
        ),
        Section(
            "为什么保存",
            (
                "为了回答您的问题、为您预约和报名、按您的选择推送岗位和活动消息，"
                "以及让工作人员在您请求“人工”时了解情况。",
                "匿名的数量统计用于改进服务，不用于其他目的，也不会提供给第三方。",
            ),
        ),
        Section(
            "保存多久",
            (
                f"聊天消息记录和政策提问记录保存 {days} 天，到期自动删除。",
                "预约、报名、订阅和人工服务请求保存到您删除为止。",
                "您随时可以删除自己的全部信息，删除后只保留不含身份的数量统计（例如某天有多少预约）。",
            ),
        ),
        Section(
            "谁能看到",
            (
                "区退役军人事务部门的管理员，以及您预约的服务站的工作人员（只能看到本服务站的预约和相关请求）。",
                "工作人员每次查看或修改您的信息都会记入审计日志，由区级管理员检查。",
            ),
        ),
        Section(
            "您的权利",
            (
                "在聊天里发送“我的信息”，查看我们保存的关于您的信息。",
                "发送“删除我的信息”，确认后删除您的全部个人信息；删除后无法恢复。",
                "发送“退订”停止全部推送；发送“人工”联系工作人员。",
            ),
        ),
    ]


NOTICE_TITLE = "隐私说明"
LAW_NAME = "《中华人民共和国个人信息保护法》"


def notice_intro() -> str:
    return f"我们按照{LAW_NAME}的要求保护您的个人信息。"


def chat_notice(settings: Settings, link: str) -> str:
    """The short notice for the chat; `link` is an anchor to the full page."""
    days = settings.retention_days
    return (
        f"{NOTICE_TITLE}\n{notice_intro()}\n"
        "· 保存：微信识别号、您发来的消息、位置（如您发送）、预约、报名、订阅和人工请求。\n"
        "· 用途：回答问题、预约报名、按您的选择推送。\n"
        f"· 期限：聊天和提问记录保存 {days} 天后自动删除。\n"
        "· 谁能看：区管理员和您预约的服务站工作人员，每次查看都有记录。\n"
        "发送“我的信息”查看，发送“删除我的信息”删除。\n"
        f"{link}"
    )


@dataclass
class PersonalData:
    """What is kept about one person, counted, for the chat and `/m/mydata`."""

    first_seen: str
    following: bool
    location: str
    messages: int
    oldest_message: str
    questions: int
    bookings: int
    upcoming_bookings: int
    signups: int
    subscription: str
    consents: int
    handovers: int
    open_handover: bool
    retention_days: int
    lines: list[str] = field(default_factory=list)


def personal_data(session: Session, settings: Settings, person: Person) -> PersonalData:
    """Everything the database holds about `person`, as counts and short labels."""
    from core.booking import booking
    from core.booking.models import Booking
    from core.broadcast.models import MessageConsent
    from core.chatlog.models import MessageLog
    from core.faq.models import FaqQuery
    from core.jobs import subscriptions
    from core.jobs.models import EventSignup

    def count(model: type, *where: object) -> int:
        query = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return session.scalar(query) or 0

    oldest = session.scalar(
        select(func.min(MessageLog.created_at)).where(MessageLog.person_id == person.id)
    )
    location = "未保存"
    if person.latitude is not None:
        location = person.location_label or "（无地名）"
        if person.location_at is not None:
            location += f"，{local_text(person.location_at)}发送"
    data = PersonalData(
        first_seen=local_text(person.first_seen_at),
        following=person.subscribed,
        location=location,
        messages=count(MessageLog, MessageLog.person_id == person.id),
        oldest_message=local_text(oldest) if oldest else "",
        questions=count(FaqQuery, FaqQuery.person_id == person.id),
        bookings=count(Booking, Booking.person_id == person.id),
        upcoming_bookings=len(booking.bookings_of(session, person)),
        signups=count(EventSignup, EventSignup.person_id == person.id),
        subscription=subscriptions.describe(subscriptions.get(session, person)),
        consents=count(MessageConsent, MessageConsent.person_id == person.id),
        handovers=count(HandoverRequest, HandoverRequest.person_id == person.id),
        open_handover=count(
            HandoverRequest, HandoverRequest.person_id == person.id, HandoverRequest.status == OPEN
        )
        > 0,
        retention_days=settings.retention_days,
    )
    data.lines = _lines(data)
    return data


def _lines(data: PersonalData) -> list[str]:
    messages = f"{data.messages} 条"
    if data.messages:
        messages += f"（最早 {data.oldest_message}）"
    handovers = f"{data.handovers} 次" + ("，其中 1 次等待回复" if data.open_handover else "")
    return [
        f"首次联系：{data.first_seen}",
        f"关注状态：{'已关注' if data.following else '未关注'}",
        f"位置：{data.location}",
        f"聊天消息记录：{messages}，保存 {data.retention_days} 天",
        f"政策提问记录：{data.questions} 条",
        f"服务站预约：{data.bookings} 个（待办理 {data.upcoming_bookings} 个）",
        f"活动报名：{data.signups} 个",
        f"订阅：{data.subscription}",
        f"消息授权：{data.consents} 项",
        f"人工服务请求：{handovers}",
    ]
