"""python -m backend.wechat.fake [--host 127.0.0.1] [--port 0] [--state-file PATH]

Prints FAKE_WECHAT_URL=http://host:port once it listens, then serves until stopped."""

import argparse
import signal
import sys
import threading

from .server import FakeWeChat


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.wechat.fake",
                                     description="A fake WeChat for tests and the demo.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--state-file", default=None,
                        help="JSON file the state is loaded from and saved to")
    args = parser.parse_args(argv)

    fake = FakeWeChat(host=args.host, port=args.port, state_file=args.state_file).start()
    print(f"FAKE_WECHAT_URL={fake.base_url}", flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
