"""HTTP/2 on the HTTP port: cleartext with prior knowledge (h2c) and h2 over TLS by ALPN, driven by
nghttp2's `nghttp` and `h2load` clients, next to HTTP/1.1 on the same port; hostile prefaces and
graceful shutdown with streams in progress."""

import json
import re
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time

import boto3
import pytest
from botocore.config import Config

from conftest import KINESIS_JSON, KINESIS_TARGET, REGION, Sluice, sign_post, unique_name, wait_for_stream

NGHTTP = shutil.which("nghttp")
H2LOAD = shutil.which("h2load")
pytestmark = pytest.mark.skipif(not NGHTTP, reason="nghttp (Debian nghttp2-client) not installed")

SQS_JSON = "application/x-amz-json-1.0"
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
STATUS_LINE = re.compile(r"recv \(stream_id=(\d+)\) :status: (\d+)")


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """A server with --tls-self-signed: h2 and HTTP/1.1, over TLS and in the clear, on one port."""
    base = tmp_path_factory.mktemp("h2tls")
    s = Sluice(base / "data", "--tls-self-signed", log_dir=base).start()
    yield s
    rc = s.stop()
    assert rc == 0, f"TLS sluice exited with {rc} on SIGTERM:\n{s.logs()}"


def nghttp(url, headers=None, body=None, tmp_path=None, extra=(), timeout=60):
    """One nghttp run (one connection). Returns (statuses by stream id, body text, stdout).
    `nghttp -v` prints each frame as "[  0.003] ..." plus indented lines, and response bodies as
    they are (a body may end just before a frame's line), so the body is what remains."""
    cmd = [NGHTTP, "-v", "-t", "30", *extra]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if body is not None:
        data = tmp_path / f"body-{time.monotonic_ns()}"
        data.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
        cmd += ["-d", str(data)]
    cmd.append(url)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"nghttp failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    statuses = {int(sid): int(code) for sid, code in STATUS_LINE.findall(r.stdout)}
    bare = re.sub(r"\[\s*\d+\.\d+\] [^\n]*", "", r.stdout)
    text = "\n".join(line for line in bare.splitlines() if line and not line.startswith(" "))
    return statuses, text, r.stdout


def one_json(text):
    """The JSON object in an nghttp body."""
    start = text.index("{")
    return json.loads(text[start : text.rindex("}") + 1])


def sqs_call(url, operation, body, tmp_path, headers=None, extra=()):
    h = {"content-type": SQS_JSON, "x-amz-target": f"AmazonSQS.{operation}"}
    h.update(headers or {})
    statuses, text, out = nghttp(url, h, json.dumps(body), tmp_path, extra)
    assert len(statuses) == 1, out
    return next(iter(statuses.values())), (one_json(text) if "{" in text else {}), out


def signed_headers(url, service, target, body, content_type, access_key, secret):
    """SigV4 headers for a POST to `url`, as an SDK makes them; `host` is left out, since over
    HTTP/2 the client sends it as :authority (nghttp takes it from the URL)."""
    headers = sign_post(url, service, body, {"Content-Type": content_type, "X-Amz-Target": target},
                        access_key, secret)
    return {k.lower(): v for k, v in headers.items() if k.lower() != "host"}


def frame(kind, flags, stream_id, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream_id) + payload


def read_frames(sock, deadline=10.0):
    """Reads frames until the server closes; returns [(type, flags, stream id, payload)]."""
    sock.settimeout(deadline)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    frames = []
    while len(data) >= 9:
        n = int.from_bytes(data[:3], "big")
        frames.append((data[3], data[4], int.from_bytes(data[5:9], "big") & 0x7FFFFFFF, data[9 : 9 + n]))
        data = data[9 + n :]
    return frames


# -- h2c with prior knowledge ----------------------------------------------------------------------


def test_h2c_sqs_json(server, sqs, tmp_path):
    """An AWS JSON 1.0 SQS call over cleartext HTTP/2; the queue is then visible over HTTP/1.1."""
    name = unique_name("h2c")
    status, body, out = sqs_call(server.endpoint + "/", "CreateQueue", {"QueueName": name}, tmp_path)
    assert status == 200, out
    assert body["QueueUrl"].startswith("http://") and body["QueueUrl"].endswith("/" + name), body
    assert re.search(r"x-amzn-requestid: \S+", out), out
    status, body, out = sqs_call(
        server.endpoint + "/", "SendMessage", {"QueueUrl": body["QueueUrl"], "MessageBody": "over h2c"}, tmp_path
    )
    assert status == 200 and body["MessageId"], out
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "over h2c"


def test_h2c_error_answer(server, tmp_path):
    """AWS JSON errors travel over HTTP/2 with their status."""
    status, body, out = sqs_call(server.endpoint + "/", "GetQueueUrl", {"QueueName": unique_name("none")}, tmp_path)
    assert status == 400, out
    assert body["__type"].endswith("QueueDoesNotExist"), body


def test_h2c_kinesis_json11(server, kinesis, tmp_path):
    """A SigV4-signed Kinesis JSON 1.1 call over h2c (the host signed is the :authority)."""
    name = unique_name("h2k")
    url = server.endpoint + "/"
    for operation, payload in (
        ("CreateStream", {"StreamName": name, "ShardCount": 1}),
        ("DescribeStreamSummary", {"StreamName": name}),
    ):
        data = json.dumps(payload).encode()
        target = f"{KINESIS_TARGET}.{operation}"
        h = signed_headers(url, "kinesis", target, data, KINESIS_JSON, "AKIDH2", "h2-secret")
        statuses, text, out = nghttp(url, h, data, tmp_path)
        assert list(statuses.values()) == [200], out
    assert one_json(text)["StreamDescriptionSummary"]["StreamName"] == name
    wait_for_stream(kinesis, name)
    kinesis.delete_stream(StreamName=name)


def test_h2c_signature_checked(sluice_factory, tmp_path):
    """With a credentials file, SigV4 is verified over HTTP/2 as over HTTP/1.1: :authority stands
    for host, a good signature passes and a bad one is refused."""
    creds = tmp_path / "credentials"
    creds.write_text("AKIDH2STRICT h2-strict-secret 123456789012\n")
    s = sluice_factory("--credentials", str(creds))
    url = s.endpoint + "/"
    data = json.dumps({"QueueName": unique_name("signed")}).encode()
    good = signed_headers(url, "sqs", "AmazonSQS.CreateQueue", data, SQS_JSON, "AKIDH2STRICT", "h2-strict-secret")
    statuses, text, out = nghttp(url, good, data, tmp_path)
    assert list(statuses.values()) == [200], out
    assert "123456789012" in one_json(text)["QueueUrl"]
    bad = signed_headers(url, "sqs", "AmazonSQS.CreateQueue", data, SQS_JSON, "AKIDH2STRICT", "wrong-secret")
    statuses, text, out = nghttp(url, bad, data, tmp_path)
    assert list(statuses.values()) == [403], out
    assert "signature we calculated does not match" in one_json(text)["message"], text


def test_h2c_many_streams_on_one_connection(server, tmp_path):
    """One connection, many requests in flight at once (nghttp -m opens them together)."""
    name = unique_name("multi")
    sqs_call(server.endpoint + "/", "CreateQueue", {"QueueName": name}, tmp_path)
    h = {"content-type": SQS_JSON, "x-amz-target": "AmazonSQS.GetQueueUrl"}
    statuses, text, out = nghttp(server.endpoint + "/", h, json.dumps({"QueueName": name}), tmp_path, ["-m", "50"])
    assert len(statuses) == 50 and set(statuses.values()) == {200}, out
    assert text.count(f'/{name}"') == 50, text


@pytest.mark.skipif(not H2LOAD, reason="h2load not installed")
def test_h2load_concurrent_streams(server, tmp_path):
    """h2load: 200 requests, 20 streams at a time on a single connection, none failed."""
    body = tmp_path / "list.json"
    body.write_text("{}")
    r = subprocess.run(
        [H2LOAD, "-n", "200", "-c", "1", "-m", "20", "-d", str(body),
         "-H", f"content-type: {SQS_JSON}", "-H", "x-amz-target: AmazonSQS.ListQueues", server.endpoint + "/"],
        capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"requests: 200 total, 200 started, 200 done, 200 succeeded, 0 failed, 0 errored", r.stdout), r.stdout
    assert re.search(r"status codes: 200 2xx", r.stdout), r.stdout


def test_preface_split_across_packets(server):
    """The preface may arrive a few bytes at a time; so may an HTTP/1.1 method starting with P."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(PREFACE[:1])
        time.sleep(0.1)
        s.sendall(PREFACE[1:10])
        time.sleep(0.1)
        s.sendall(PREFACE[10:] + frame(4, 0, 0))  # empty SETTINGS
        s.settimeout(10)
        head = s.recv(9)
        assert len(head) == 9 and head[3] == 4, head  # the server's SETTINGS
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"P")
        time.sleep(0.1)
        s.sendall(b"OST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Content-Length: 17\r\nConnection: close\r\n\r\nAction=ListQueues")
        s.settimeout(10)
        assert s.recv(12) == b"HTTP/1.1 200"


def test_garbage_after_preface(server):
    """Bytes that are not HTTP/2 frames after a good preface: GOAWAY, then the connection closes;
    the server goes on serving."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(PREFACE + b"\xff" * 64 + b"GET / HTTP/1.1\r\n\r\n" * 10)
        frames = read_frames(s)
    assert any(f[0] == 7 for f in frames), frames  # GOAWAY
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(PREFACE + frame(4, 0, 0) + frame(1, 0x5, 2, b"\x00" * 5))  # HEADERS on an even id
        frames = read_frames(s)
    assert any(f[0] == 7 for f in frames), frames
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n" + b"junk" * 100)  # a bad preface
        read_frames(s)
    assert server.health()["status"] == "ok"


def test_http11_and_h2c_on_one_port(server, sqs, tmp_path):
    """HTTP/1.1 clients are served as before, between and alongside HTTP/2 connections."""
    assert server.health()["status"] == "ok"
    statuses, text, out = nghttp(server.endpoint + "/health", tmp_path=tmp_path)
    assert list(statuses.values()) == [200] and one_json(text)["status"] == "ok", out
    assert isinstance(sqs.list_queues().get("QueueUrls", []), list)
    status, _, _ = server.raw_query({"Action": "ListQueues"})
    assert status == 200


# -- h2 over TLS -----------------------------------------------------------------------------------


def test_alpn_prefers_h2(tls_server):
    """ALPN picks h2 when offered, http/1.1 for clients that offer only that."""
    for offered, expected in ((["h2", "http/1.1"], "h2"), (["http/1.1"], "http/1.1")):
        ctx = ssl.create_default_context(cafile=tls_server.tls_cert_file)
        ctx.set_alpn_protocols(offered)
        with socket.create_connection(("127.0.0.1", tls_server.port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                assert s.selected_alpn_protocol() == expected


def test_h2_over_tls(tls_server, tmp_path):
    """nghttp over https negotiates h2 by ALPN; the queue URL is https, as the request came over TLS."""
    status, body, out = sqs_call(
        tls_server.https_endpoint + "/", "CreateQueue", {"QueueName": unique_name("h2tls")}, tmp_path, extra=["-y"]
    )
    assert status == 200, out
    assert "The negotiated protocol: h2" in out, out
    assert body["QueueUrl"].startswith("https://"), body
    statuses, _, out = nghttp(
        tls_server.https_endpoint + "/health", tmp_path=tmp_path, extra=["-y", "-m", "20"]
    )
    assert len(statuses) == 20 and set(statuses.values()) == {200}, out


def test_h2c_and_https_http11_on_the_tls_port(tls_server, tmp_path):
    """With TLS on, cleartext HTTP/2 and HTTP/1.1 over TLS still work on the same port."""
    statuses, _, out = nghttp(tls_server.endpoint + "/health", tmp_path=tmp_path)
    assert list(statuses.values()) == [200], out
    session = boto3.session.Session(aws_access_key_id="AKIDH2", aws_secret_access_key="s", region_name=REGION)
    sqs = session.client("sqs", endpoint_url=tls_server.https_endpoint, verify=tls_server.tls_cert_file,
                         config=Config(retries={"max_attempts": 0}))
    assert isinstance(sqs.list_queues().get("QueueUrls", []), list)


# -- shutdown ----------------------------------------------------------------------------------------


def test_graceful_shutdown_finishes_h2_streams(sluice_factory, tmp_path):
    """SIGTERM during a long poll on an HTTP/2 stream: the stream still gets its answer (the server
    waits for it, as for HTTP/1.1 requests), the client sees GOAWAY, and the server exits 0."""
    s = sluice_factory()
    status, body, _ = sqs_call(s.endpoint + "/", "CreateQueue", {"QueueName": unique_name("gs")}, tmp_path)
    assert status == 200
    result = {}

    def poll():
        result["r"] = sqs_call(
            s.endpoint + "/", "ReceiveMessage", {"QueueUrl": body["QueueUrl"], "WaitTimeSeconds": 3}, tmp_path
        )

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(1.0)
    assert s.stop() == 0, s.logs()
    t.join(30)
    status, _, out = result["r"]
    assert status == 200, out
    assert "GOAWAY" in out, out
