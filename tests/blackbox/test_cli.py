"""Command line and process lifecycle: flags, config file, environment, safety checks, clean shutdown."""

import os
import re
import signal
import subprocess
import threading
import time

import pytest

from conftest import BINARY, free_port, unique_name

FLAGS = [
    "--host",
    "--port",
    "--data-dir",
    "--region",
    "--account-id",
    "--config",
    "--credentials",
    "--allow-open",
    "--durability",
    "--storage",
    "--io-threads",
    "--log-level",
]


class Ran:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run(*args, env=None, timeout=20):
    """Runs sluice to completion. A process that starts serving when it should not is stopped at
    once (and its output says 'listening'), so a wrongly accepted configuration fails fast."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    e.update(env or {})
    p = subprocess.Popen([BINARY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
    out = []

    def watch():
        for line in p.stdout:
            out.append(line)
            if line.startswith("sluice: listening on"):
                p.send_signal(signal.SIGTERM)

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    try:
        err = p.stderr.read()
        rc = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise
    t.join(timeout=5)
    return Ran(rc, "".join(out), err)


def test_version():
    """--version prints 'sluice <version>' and exits 0."""
    r = run("--version")
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"sluice \d+\.\d+\.\d+\S*\n", r.stdout), r.stdout


def test_version_matches_health(sluice_factory):
    """The version /health reports is the one --version prints."""
    s = sluice_factory()
    assert run("--version").stdout.split()[1] == s.health()["version"]


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"]])
def test_help_lists_every_flag(args):
    """--help exits 0 and documents every serve flag."""
    r = run(*args)
    assert r.returncode == 0, r.stderr
    for flag in FLAGS:
        assert flag in r.stdout, flag


def test_no_subcommand_prints_usage_and_fails():
    """Without a subcommand the usage goes to stderr with a non-zero exit."""
    r = run()
    assert r.returncode != 0
    assert "serve" in r.stderr


@pytest.mark.parametrize(
    "args,mention",
    [
        (["serve", "--bogus"], "--bogus"),
        (["--bogus"], "--bogus"),
        (["serve", "--port", "notaport"], "--port"),
        (["serve", "--port", "70000"], "--port"),
        (["serve", "--durability", "sometimes"], "durability"),
        (["serve", "--storage", "floppy"], "storage"),
        (["serve", "--account-id", "123"], "account-id"),
        (["serve", "--log-level", "loud"], "log-level"),
        (["serve", "--kinesis-subscription-lifetime-ms", "50"], "--kinesis-subscription-lifetime-ms"),
        (["serve", "--kinesis-subscription-heartbeat-ms", "soon"], "--kinesis-subscription-heartbeat-ms"),
        (["frobnicate"], "frobnicate"),
    ],
    ids=[
        "unknown-flag",
        "unknown-top-flag",
        "port-text",
        "port-range",
        "durability",
        "storage",
        "account",
        "log-level",
        "subscription-lifetime",
        "subscription-heartbeat",
        "unknown-subcommand",
    ],
)
def test_invalid_flags(tmp_path, args, mention):
    """Invalid flags or values exit non-zero with a message naming the problem, without serving."""
    if args[0] == "serve":
        args = args + ["--data-dir", str(tmp_path / "d")]
    r = run(*args)
    assert r.returncode != 0
    assert mention in r.stderr, r.stderr
    assert "listening" not in r.stdout


def test_missing_credentials_file(tmp_path):
    """A --credentials path that does not exist stops startup with a message."""
    r = run("serve", "--port", "0", "--data-dir", str(tmp_path / "d"), "--credentials", str(tmp_path / "nope"))
    assert r.returncode != 0
    assert "nope" in r.stderr
    assert "listening" not in r.stdout


def test_malformed_credentials_file(tmp_path):
    """A credentials line with a bad account id stops startup with a message naming the file."""
    creds = tmp_path / "creds"
    creds.write_text("AKIDTEST secret notdigits\n")
    r = run("serve", "--port", "0", "--data-dir", str(tmp_path / "d"), "--credentials", str(creds))
    assert r.returncode != 0
    assert str(creds) in r.stderr
    assert "listening" not in r.stdout


@pytest.mark.parametrize(
    "content,mention",
    [
        ("port = = 4566\n", "invalid config file"),
        ("[server\nport = 1\n", "invalid config file"),
        ("colour = \"blue\"\n", "colour"),
        ("port = \"abc\"\n", "port"),
        ("port = 99999\n", "port"),
        ("durability = \"sometimes\"\n", "durability"),
        ("allow-open = \"yes\"\n", "allow-open"),
        ("io-threads = -3\n", "io-threads"),
    ],
    ids=[
        "bad-toml",
        "unclosed-table",
        "unknown-key",
        "port-type",
        "port-range",
        "durability",
        "bool-type",
        "threads",
    ],
)
def test_invalid_config_file(tmp_path, content, mention):
    """A bad TOML file, unknown key or bad value exits non-zero with a clear message."""
    cfg = tmp_path / "sluice.toml"
    if "port" not in content:
        content += "port = 0\n"
    cfg.write_text(content)
    r = run("serve", "--config", str(cfg), "--data-dir", str(tmp_path / "d"))
    assert r.returncode != 0
    assert mention in r.stderr, r.stderr
    assert "listening" not in r.stdout


def test_missing_config_file(tmp_path):
    """A --config path that does not exist is an error, not silently ignored."""
    r = run("serve", "--config", str(tmp_path / "absent.toml"), "--data-dir", str(tmp_path / "d"), "--port", "0")
    assert r.returncode != 0
    assert "absent.toml" in r.stderr


def test_config_file_is_honoured(sluice_factory, tmp_path):
    """Settings from a TOML file apply: port, data dir, region and account id."""
    port = free_port()
    data = tmp_path / "from-config"
    cfg = tmp_path / "sluice.toml"
    cfg.write_text(
        f'port = {port}\ndata-dir = "{data}"\nregion = "eu-west-1"\naccount-id = "111122223333"\n'
        'log-level = "warn"\ndurability = "relaxed"\n'
    )
    s = sluice_factory("--config", str(cfg), pass_port=False, pass_data_dir=False)
    assert s.port == port
    c = s.client()
    name = unique_name()
    url = c.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"http://127.0.0.1:{port}/111122223333/{name}"
    arn = c.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == f"arn:aws:sqs:eu-west-1:111122223333:{name}"
    assert s.health()["durability"] == "relaxed"
    assert data.is_dir() and any(data.iterdir())


def test_flag_overrides_config_file(sluice_factory, tmp_path):
    """A command-line flag wins over the same key in the config file."""
    cfg = tmp_path / "sluice.toml"
    cfg.write_text('account-id = "111122223333"\nregion = "eu-west-1"\n')
    s = sluice_factory("--config", str(cfg), "--account-id", "444455556666")
    url = s.client().create_queue(QueueName=unique_name())["QueueUrl"]
    assert "/444455556666/" in url


def test_env_var_port_is_honoured(sluice_factory):
    """SLUICE_PORT selects the port when --port is not given."""
    port = free_port()
    s = sluice_factory(pass_port=False, env={"SLUICE_PORT": str(port)})
    assert s.port == port
    assert s.health()["status"] == "ok"


def test_env_vars_configure_server(sluice_factory, tmp_path):
    """SLUICE_ACCOUNT_ID, SLUICE_REGION and SLUICE_DATA_DIR are honoured."""
    data = tmp_path / "env-data"
    s = sluice_factory(
        pass_data_dir=False,
        env={"SLUICE_ACCOUNT_ID": "777788889999", "SLUICE_REGION": "ap-south-1", "SLUICE_DATA_DIR": str(data)},
    )
    c = s.client()
    url = c.create_queue(QueueName=unique_name())["QueueUrl"]
    assert "/777788889999/" in url
    arn = c.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn.startswith("arn:aws:sqs:ap-south-1:777788889999:")
    assert data.is_dir() and any(data.iterdir())


def test_non_loopback_without_auth_refuses(tmp_path):
    """Listening on 0.0.0.0 without --credentials or --allow-open refuses to start."""
    r = run("serve", "--host", "0.0.0.0", "--port", str(free_port()), "--data-dir", str(tmp_path / "d"))
    assert r.returncode != 0
    assert "--allow-open" in r.stderr and "--credentials" in r.stderr
    assert "listening" not in r.stdout


def test_non_loopback_with_allow_open_starts(sluice_factory):
    """--allow-open lets an unauthenticated server listen on 0.0.0.0."""
    s = sluice_factory("--host", "0.0.0.0", "--allow-open")
    assert s.host == "0.0.0.0"
    assert s.health()["auth"] == "open"


def test_non_loopback_with_credentials_starts(sluice_factory, tmp_path):
    """--credentials is enough to listen on 0.0.0.0."""
    creds = tmp_path / "creds"
    creds.write_text("AKIDTEST secret 123456789012\n")
    s = sluice_factory("--host", "0.0.0.0", "--credentials", str(creds))
    assert s.health()["auth"] == "strict"


def test_port_in_use(sluice_factory, tmp_path):
    """A second server on a port already taken exits non-zero with a message."""
    first = sluice_factory()
    r = run("serve", "--port", str(first.port), "--data-dir", str(tmp_path / "other"))
    assert r.returncode != 0
    assert r.stderr.strip()


def test_data_dir_locked_by_running_server(sluice_factory):
    """A second server on a data directory in use refuses to start instead of corrupting it."""
    first = sluice_factory()
    r = run("serve", "--port", "0", "--data-dir", str(first.data_dir), timeout=20)
    assert r.returncode != 0
    assert r.stderr.strip()
    assert first.health()["status"] == "ok"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_exits_cleanly(sluice_factory, sig):
    """SIGTERM and SIGINT stop the server with exit code 0."""
    s = sluice_factory()
    s.client().create_queue(QueueName=unique_name())
    assert s.stop(sig) == 0
    assert "stopped cleanly" in s.stdout() + s.stderr()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_long_poll_answered_before_exit(sluice_factory, sig):
    """A long poll in progress gets a normal (empty) answer when the server is told to stop."""
    s = sluice_factory()
    c = s.client(read_timeout=40)
    url = c.create_queue(QueueName=unique_name("lp"))["QueueUrl"]
    result = {}

    def poll():
        start = time.monotonic()
        try:
            result["response"] = c.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        except Exception as e:  # recorded for the assertion below
            result["error"] = e
        result["elapsed"] = time.monotonic() - start

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.5)  # let the receive reach the server and start waiting
    assert t.is_alive()
    rc = s.stop(sig)
    t.join(timeout=30)
    assert not t.is_alive()
    assert rc == 0
    assert "error" not in result, result.get("error")
    assert result["response"]["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "Messages" not in result["response"]
    assert result["elapsed"] < 20


def test_sigterm_with_idle_keep_alive_connection(sluice_factory):
    """An idle keep-alive connection does not hold up shutdown."""
    s = sluice_factory()
    conn = s.http()
    conn.request("GET", "/health")
    conn.getresponse().read()
    start = time.monotonic()
    assert s.stop() == 0
    assert time.monotonic() - start < 10
    conn.close()


def test_single_io_thread_is_not_blocked_by_long_poll(sluice_factory):
    """With --io-threads 1 a waiting long poll does not hold up other requests."""
    s = sluice_factory("--io-threads", "1")
    c = s.client()
    url = c.create_queue(QueueName=unique_name("io1"))["QueueUrl"]
    result = {}

    def poll():
        result["response"] = s.client(read_timeout=40).receive_message(QueueUrl=url, WaitTimeSeconds=10)

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.3)
    start = time.monotonic()
    for i in range(5):
        assert s.health()["status"] == "ok"
        c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert time.monotonic() - start < 5
    c.send_message(QueueUrl=url, MessageBody="unblock")
    t.join(timeout=30)
    assert [m["Body"] for m in result["response"]["Messages"]] == ["unblock"]
