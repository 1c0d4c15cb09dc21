"""`找工作` / `岗位` / `招聘`: the newest postings matching the person's subscription, 5 at a time.

`更多` shows the next five. Where the list stands is kept in Redis for the conversation's
lifetime; with Redis down the bot says it cannot page in chat and links the jobs page,
which pages by itself.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.context import Context
from bot.handlers import seen
from bot.handlers.fitted import fitted_list
from bot.reply import Reply
from bot.router import router
from core.cache import cache
from core.jobs import search as job_search
from core.jobs import subscriptions
from core.jobs.search import JobFilter, JobPage
from core.jobs.texts import detail_text, posting_line
from core.nlu.vocab import vocabulary
from core.wechat import links

JOB_KEYWORDS = ("找工作", "岗位", "招聘", "工作", "找岗位", "岗位信息", "招聘信息", "最新岗位")
MORE_KEYWORDS = ("更多", "更多岗位", "下一页", "还有吗")
LIST = "jobs_list"


PAGE = "jobs_page"  # the conversation memo: where "更多" goes on, and the filter asked for


def _filter_label(wanted: JobFilter) -> str:
    towns = "、".join(wanted.towns) or "街镇不限"
    industries = "、".join(wanted.industries) or "行业不限"
    return f"{towns}；{industries}"


def _asked_label(wanted: JobFilter, kind: str) -> str:
    """What the person asked for, as they would say it: "安亭镇的保安，月薪 8000 元以上"."""
    parts = "、".join(wanted.towns) + ("的" if wanted.towns and kind else "") + kind
    if wanted.pay_min and wanted.pay_max:
        pay = f"月薪 {wanted.pay_min}–{wanted.pay_max} 元"
    elif wanted.pay_min:
        pay = f"月薪 {wanted.pay_min} 元以上"
    elif wanted.pay_max:
        pay = f"月薪 {wanted.pay_max} 元以内"
    else:
        pay = ""
    return "，".join(p for p in (parts, pay) if p)


def asked_filter(slots: dict[str, Any]) -> tuple[JobFilter, str] | None:
    """The filter a person's own words ask for (town, kind of work, pay), with its label;
    None when they named none of these."""
    kind = str(slots.get("job_kind") or "")
    words = vocabulary().job_matches.get(kind, (kind,) if kind else ())
    town = slots.get("town")
    wanted = JobFilter(
        towns=(str(town),) if town else (),
        words=tuple(words),
        pay_min=slots.get("pay_min"),
        pay_max=slots.get("pay_max"),
    )
    return (wanted, _asked_label(wanted, kind)) if wanted.narrowed else None


def _jobs_url(ctx: Context) -> str:
    return links.page_url(ctx.settings, "/m/jobs")


MORE_HINT = "回复“更多”看下一批。"
NO_PAGING = "暂时没法在聊天里翻页，请打开下面的链接查看更多。"


def _head(page: JobPage, wanted: JobFilter, shown: int, asked: str = "") -> str:
    if asked:
        scope = f"（{asked}）"
    elif wanted.narrowed:
        scope = f"（按您的订阅：{_filter_label(wanted)}）"
    else:
        scope = ""
    first = page.offset + 1
    return f"共 {page.total} 个在招岗位{scope}，第 {first}–{page.offset + shown} 个："


def _tail(ctx: Context, more: bool, can_page: bool, subscribed: bool) -> list[str]:
    lines = [(MORE_HINT if can_page else NO_PAGING) if more else "以上是全部符合条件的岗位。"]
    if not subscribed:
        lines.append("回复“订阅”可以只看您所在街镇和行业的岗位。")
    lines.append(links.anchor(_jobs_url(ctx), "按街镇、行业筛选岗位"))
    return lines


def _blocks(ctx: Context, page: JobPage) -> list[str]:
    return [
        f"{number}. {posting_line(posting)}\n   "
        + links.anchor(links.page_url(ctx.settings, f"/m/jobs/{posting.id}"), "查看岗位详情")
        for number, posting in enumerate(page.items, start=page.offset + 1)
    ]


def _show(ctx: Context, offset: int, asked: tuple[JobFilter, str] | None = None) -> Reply:
    subscription = subscriptions.of_openid(ctx.session, ctx.message.from_user)
    wanted, label = asked or (job_search.filter_for(subscription), "")
    page = job_search.search(ctx.session, wanted, offset=offset)
    subscribed = subscription is not None and subscription.jobs
    if page.total == 0:
        ctx.conversation.remember(PAGE, None)
        if label:
            lead = f"暂时没有{label}的在招岗位。有了想第一时间知道，回复“订阅”。"
        elif wanted.narrowed:
            lead = "暂时没有符合您订阅条件的岗位。"
        else:
            lead = "暂时没有在招的岗位。"
        return Reply(
            text=f"{lead}\n{links.anchor(_jobs_url(ctx), '看看全部岗位')}\n回复“招聘会”查看近期招聘活动。",
            intent="jobs_empty",
        )
    if not page.items:
        ctx.conversation.remember(PAGE, None)
        return Reply(
            text=f"这 {page.total} 个岗位都看过了。发送“找工作”从最新的重新看。\n{links.anchor(_jobs_url(ctx), '全部岗位')}",
            intent="jobs_end",
        )
    blocks = _blocks(ctx, page)
    widest = _tail(ctx, True, False, subscribed)
    _, shown = fitted_list(_head(page, wanted, len(blocks), label), blocks, widest)
    next_offset = page.offset + shown
    memo: dict[str, Any] = {"offset": next_offset}
    if asked:
        memo["asked"] = {"filter": asdict(wanted), "label": label}
    ctx.conversation.remember(PAGE, memo)
    can_page = cache.available  # the state is written with the reply (bot.session)
    _remember_numbers(ctx, page.offset, [p.id for p in page.items[:shown]])
    tail = _tail(ctx, next_offset < page.total, can_page, subscribed)
    text = "\n".join([_head(page, wanted, shown, label), *blocks[:shown], *tail])
    return Reply(text=text, intent="jobs")


def _remember_numbers(ctx: Context, offset: int, ids: list[int]) -> None:
    """The ids behind the numbers shown so far: "更多" continues the numbering (6, 7 …), so
    a later page extends the list rather than replacing it."""
    earlier = (seen.recall(ctx, LIST) or []) if offset else []
    seen.remember(ctx, LIST, [*earlier[:offset], *ids] if len(earlier) >= offset else ids)


@seen.picker(LIST)
def show_posting(ctx: Context, number: int) -> Reply:
    """ "第二个" after a list of jobs: that posting's details and its page."""
    ids = seen.recall(ctx, LIST) or []
    posting = (
        job_search.get_posting(ctx.session, ids[number - 1]) if 0 < number <= len(ids) else None
    )
    if posting is None:
        return Reply(
            text=f"没有第 {number} 个岗位。请回复列表里的编号，或发送“找工作”重新查看。",
            intent="job_pick",
        )
    url = links.page_url(ctx.settings, f"/m/jobs/{posting.id}")
    text = detail_text(posting, job_search.is_current(posting))
    return Reply(text=f"{text}\n{links.anchor(url, '查看岗位详情')}", intent="job_pick")


@router.text(keywords=JOB_KEYWORDS)
@router.menu("JOBS")
@router.intent("job.search")
def find_jobs(ctx: Context) -> Reply:
    if ctx.conversation.flow:
        ctx.conversation.clear()
    asked = asked_filter(ctx.slots) if ctx.slots else None
    return _show(ctx, 0, asked)


@router.text(keywords=MORE_KEYWORDS)
@router.intent("job.more")
def more_jobs(ctx: Context) -> Reply:
    """The next five of the list last shown; without that list, the newest five again."""
    memo = ctx.conversation.recall(PAGE)
    if memo is None and not cache.available:
        return Reply(
            text=f"抱歉，暂时没法在聊天里翻页。请打开岗位页面查看全部：\n{links.anchor(_jobs_url(ctx), '全部岗位')}",
            intent="jobs_state_lost",
        )
    try:
        memo = memo if isinstance(memo, dict) else {}
        offset = int(memo.get("offset", 0))
        asked = memo.get("asked")
        again = (JobFilter(**_tuples(asked["filter"])), str(asked["label"])) if asked else None
    except (TypeError, ValueError, KeyError, AttributeError):
        offset, again = 0, None
    return _show(ctx, offset, again)


def _tuples(fields: dict[str, Any]) -> dict[str, Any]:
    """JSON gives lists back; the filter holds tuples."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}


router.offers(50, "发送“找工作”：查看最新招聘岗位")
