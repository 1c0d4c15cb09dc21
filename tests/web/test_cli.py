"""The `vetbot` command: ask through the real path, users, menu, migrations."""

from __future__ import annotations

import json

from web.cli import main


def test_ask_prints_the_reply(runner):
    result = runner.invoke(main, ["ask", "帮助", "--openid", "cli-1"])
    assert result.exit_code == 0, result.output
    assert "人工" in result.output


def test_ask_json_has_the_documented_keys(runner):
    result = runner.invoke(main, ["ask", "明天会下雨吗", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{") :])
    assert set(data) == {"reply", "intent", "faq_id", "score", "candidates"}
    assert data["intent"] == "faq_fallback"
    assert data["faq_id"] is None
    assert "人工" in data["reply"]


def test_user_create_and_refusals(runner):
    no_station = runner.invoke(
        main,
        ["user", "create", "zhang", "--role", "station_staff", "--station-id", "999"],
        input="long-enough-pw\nlong-enough-pw\n",
    )
    assert no_station.exit_code != 0
    assert "不存在" in no_station.output
    ok = runner.invoke(
        main,
        ["user", "create", "zhang", "--role", "station_staff"],
        input="long-enough-pw\nlong-enough-pw\n",
    )
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(
        main,
        ["user", "create", "zhang", "--role", "station_staff"],
        input="long-enough-pw\nlong-enough-pw\n",
    )
    assert again.exit_code != 0
    assert "已存在" in again.output
    short = runner.invoke(
        main, ["user", "create", "li", "--role", "district_admin"], input="short\nshort\n"
    )
    assert short.exit_code != 0
    assert "至少" in short.output


def test_db_upgrade_is_idempotent(runner):
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output


def test_menu_check(runner):
    result = runner.invoke(main, ["menu", "check"])
    assert result.exit_code == 0
    assert "menu ok" in result.output


def test_menu_sync_without_credentials_says_so(runner):
    result = runner.invoke(main, ["menu", "sync"])
    assert result.exit_code != 0
    assert "WECHAT_APP_SECRET" in result.output


def test_menu_sync_pushes_to_wechat(runner, monkeypatch, wechat_standin):
    monkeypatch.setenv("WECHAT_APP_ID", "wxmenu")
    monkeypatch.setenv("WECHAT_APP_SECRET", "secret")
    monkeypatch.setenv("WECHAT_API_BASE_URL", wechat_standin.base_url)
    result = runner.invoke(main, ["menu", "sync"])
    assert result.exit_code == 0, result.output
    created = wechat_standin.calls_to("menu/create")
    assert len(created) == 1
    assert created[0].body["button"][0]["key"] == "HELP"


def test_faq_check_passes_on_the_shipped_content(runner):
    result = runner.invoke(main, ["faq", "check"])
    assert result.exit_code == 0, result.output
    assert "0 problems" in result.output


def test_faq_eval_prints_ours_and_the_baseline(runner):
    result = runner.invoke(main, ["faq", "eval"])
    assert result.exit_code == 0, result.output
    assert "top-1 accuracy" in result.output
    assert "baseline (rank_bm25" in result.output
    assert "part 'heldout'" in result.output


def test_faq_eval_never_lists_held_out_misses(runner, tmp_path):
    devset = tmp_path / "dev.yaml"
    devset.write_text(
        "items:\n"
        "- {q: 孩子高考志愿怎么填才好, expect: st-job-search, part: tune}\n"
        "- {q: 附近哪家火锅店好吃一点, expect: st-job-search, part: heldout}\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["faq", "eval", str(devset), "--show-misses"])
    assert result.exit_code == 0, result.output
    assert "孩子高考志愿怎么填才好" in result.output
    assert "附近哪家火锅店好吃一点" not in result.output


def test_nlu_eval_never_lists_held_out_misses_or_confusions(runner, tmp_path):
    """Not in the held-out part's section, and not in the whole set's either (it holds them)."""
    blind = tmp_path / "blind.yaml"
    blind.write_text(
        "items:\n"
        "- {id: T1, text: 孩子高考志愿怎么填才好, intent: job.search, slots: {}, part: tune}\n"
        "- {id: H1, text: 附近哪家火锅店好吃一点, intent: job.search, slots: {}, part: heldout}\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["nlu", "eval", str(blind), "--show-misses"])
    assert result.exit_code == 0, result.output
    assert "孩子高考志愿怎么填才好" in result.output
    assert "附近哪家火锅店好吃一点" not in result.output
    assert result.output.count("worst confusions") == 1  # the tune part's only


def test_faq_calibrate_reports_cross_validation_and_off_topic_figures(runner, tmp_path):
    off_topic = tmp_path / "off.yaml"
    off_topic.write_text("questions: [明天会下雨吗, 附近有什么好吃的]\n", encoding="utf-8")
    result = runner.invoke(main, ["faq", "calibrate", "--off-topic", str(off_topic)])
    assert result.exit_code == 0, result.output
    assert "held-out phrasings (5-fold), 2 off-topic questions" in result.output
    from core.faq import matcher

    in_force = f"in force {matcher.ANSWER_MIN:.3f}/{matcher.SUGGEST_MIN:.3f}"
    assert in_force in result.output
    assert "0/2" in result.output


def test_faq_import_then_export(runner, tmp_path):
    assert runner.invoke(main, ["faq", "import"]).exit_code == 0
    result = runner.invoke(main, ["faq", "export", "--to", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert list(tmp_path.glob("*.yaml"))


def test_faq_eval_also_shows_the_labels_as_first_written(runner, tmp_path):
    devset = tmp_path / "dev.yaml"
    devset.write_text(
        "items:\n"
        "- {q: 附近哪家火锅店好吃一点, expect: null}\n"
        "- {q: 今天嘉定会不会下大雨, expect: st-job-search, audit: {written: null}}\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["faq", "eval", str(devset)])
    assert result.exit_code == 0, result.output
    audited, written = result.output.split("labels as first written")
    assert "out-of-scope answered     0.0 %  (0/1)" in audited
    assert "1 changed by the label audit" in written
    assert "(0/2)" in written


def test_ask_writes_its_log_rows_before_exiting(cli_env, db_session):
    """The message log is written by a background thread in batches; a one-shot command
    must wait for it, or the process exits first and the rows are lost."""
    import subprocess
    import sys
    from pathlib import Path

    from sqlalchemy import select

    from core.chatlog.models import MessageLog
    from core.people.models import Person

    vetbot = Path(sys.executable).parent / "vetbot"
    done = subprocess.run(
        [str(vetbot), "ask", "帮助", "--openid", "o-cli-exit"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = db_session.scalars(
        select(MessageLog).join(Person).where(Person.openid == "o-cli-exit")
    ).all()
    assert sorted(row.direction for row in rows) == ["in", "out"]


def test_an_unknown_environment_ends_the_command_with_what_is_allowed(runner, monkeypatch):
    monkeypatch.setenv("VETBOT_ENV", "staging")
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code != 0
    assert "VETBOT_ENV must be production (or prod)" in result.output
    assert "Traceback" not in result.output
