"""The WeChat stand-in in a process of its own, so its threads do not share our GIL.

Prints its base URL, then serves until its standard input closes.
"""

from __future__ import annotations

import sys

from tests.standin.wechat_server import WeChatStandIn


def main() -> None:
    latency = float(sys.argv[1])
    with WeChatStandIn() as standin:
        standin.latency = latency
        print(standin.base_url, flush=True)
        sys.stdin.read()  # until the parent closes the pipe
        print(len(standin.delivered), flush=True)


if __name__ == "__main__":
    main()
