"""POST /wechat under gunicorn against a minimal Flask + wechatpy endpoint.

The baseline is the least any WeChat callback can do (check the signature, parse,
answer a text reply), so the ratio between the two says how much vetbot's own path
(dedup, message log, router, handler) costs, independently of the machine.
"""
