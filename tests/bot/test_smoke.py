from tests.wechat import say


def test_help_lists_what_exists(client, settings):
    reply = say(client, settings, "o-smoke", "帮助")
    assert "人工" in reply
