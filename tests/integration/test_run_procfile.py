"""scripts/run_procfile.py: `make run` starts the bundled fake WeChat unless the user gave
LINLI_WECHAT_API_ORIGIN (API.md, "`make run`")."""

import importlib.util
import socket
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "run_procfile.py"
spec = importlib.util.spec_from_file_location("run_procfile", SCRIPT)
run_procfile = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_procfile)

ARGV = ["--procfile", "Procfile", "start", "--port", "8000"]


def test_without_an_origin_every_process_gets_the_fake_on_a_free_port(capsys):
    env = {"PUBLIC_BASE_URL": "http://127.0.0.1:8123"}

    argv = run_procfile.with_fake_wechat(ARGV, env)

    assert argv == ARGV  # the Procfile's `wechat` entry runs
    port = int(env["LINLI_FAKE_WECHAT_PORT"])
    assert env["LINLI_WECHAT_API_ORIGIN"] == env["LINLI_WECHAT_OPEN_ORIGIN"] == \
        f"http://127.0.0.1:{port}"
    with socket.socket() as s:  # free when picked
        s.bind(("127.0.0.1", port))
    assert "http://127.0.0.1:8123/dev/wechat/" in capsys.readouterr().out


def test_with_the_users_origin_the_fake_is_not_started():
    env = {"LINLI_WECHAT_API_ORIGIN": "https://wechat.example"}

    argv = run_procfile.with_fake_wechat(ARGV, env)

    assert argv == ["--procfile", "Procfile", "start", "--concurrency", "wechat=0",
                    "--port", "8000"]
    assert env == {"LINLI_WECHAT_API_ORIGIN": "https://wechat.example"}


def test_the_procfile_runs_the_fake_on_the_port_the_runner_picked():
    procfile = (SCRIPT.parents[1] / "Procfile").read_text()
    assert 'wechat: python manage.py wechat_fake_serve --port "$LINLI_FAKE_WECHAT_PORT"' \
        in procfile.splitlines()
