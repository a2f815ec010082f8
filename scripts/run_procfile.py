"""`make run`'s process runner: honcho (Procfile: web, worker, beat, wechat), with a longer
grace period before it kills a process that has not stopped, and the bundled fake WeChat.

honcho sends SIGTERM to every process on Ctrl-C or SIGTERM and SIGKILL 5 s later. Celery's
worker on the polling filesystem broker notices the signal between 2-second polls and then
returns the messages it holds unacknowledged (countdown offer expiries among them) to the
queue: measured 5-6 s, so a SIGKILL at 5 s would drop those. Twenty seconds lets it finish.

The fake WeChat (API.md, "`make run`"): unless LINLI_WECHAT_API_ORIGIN is set, this picks a
free loopback port, gives every process LINLI_WECHAT_API_ORIGIN and LINLI_WECHAT_OPEN_ORIGIN
on it (and LINLI_FAKE_WECHAT_PORT for the Procfile's `wechat` entry), and prints the
simulator's address. With the origin set by the user, the `wechat` entry is not started.
"""

import os
import socket
import sys

import honcho.manager
from honcho.command import main

honcho.manager.KILL_WAIT = 20

FAKE_PROCESS = "wechat"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def with_fake_wechat(argv: list[str], environ=os.environ) -> list[str]:
    """honcho's arguments, and `environ` set up for (or without) the fake WeChat."""
    if "start" not in argv:
        return argv
    if environ.get("LINLI_WECHAT_API_ORIGIN"):
        # The user's own WeChat (or fake): the bundled one stays off.
        at = argv.index("start") + 1
        return [*argv[:at], "--concurrency", f"{FAKE_PROCESS}=0", *argv[at:]]
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    environ["LINLI_FAKE_WECHAT_PORT"] = str(port)
    environ["LINLI_WECHAT_API_ORIGIN"] = origin
    environ["LINLI_WECHAT_OPEN_ORIGIN"] = origin
    base = (environ.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    print(f"  模拟微信 (fake WeChat)  {origin}\n"
          f"  微信模拟器 (simulator)  {base}/dev/wechat/\n", flush=True)
    return argv


if __name__ == "__main__":
    sys.argv[1:] = with_fake_wechat(sys.argv[1:])
    main()
