"""The HTTP/1.1 front end: keep-alive, pipelining, size limits, garbage input and /health."""

import http.client
import json
import socket
import time

import pytest

from conftest import unique_name

FORM = "application/x-www-form-urlencoded"


class _KeepOpen:
    """A buffered reader whose close() does nothing, so one response's end does not end the next."""

    def __init__(self, reader):
        self._reader = reader

    def close(self):
        pass

    def __getattr__(self, name):
        return getattr(self._reader, name)


class _SharedReader:
    """Lets http.client.HTTPResponse read consecutive responses from one buffered socket reader."""

    def __init__(self, reader):
        self.reader = _KeepOpen(reader)

    def makefile(self, *args, **kwargs):
        return self.reader


def read_responses(sock, n, timeout=10):
    sock.settimeout(timeout)
    shared = _SharedReader(sock.makefile("rb"))
    out = []
    for _ in range(n):
        r = http.client.HTTPResponse(shared)
        r.begin()
        out.append((r.status, r.read()))
    return out


def still_serves(server):
    """The server answers a fresh connection after whatever the test did."""
    assert server.health()["status"] == "ok"
    c = server.client()
    name = unique_name("alive")
    assert c.create_queue(QueueName=name)["QueueUrl"].endswith(name)


def raw_request(body, path="/", host="127.0.0.1"):
    data = body.encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {FORM}\r\nContent-Length: {len(data)}\r\n\r\n".encode()
        + data
    )


def test_keep_alive(server):
    """Several requests reuse one connection."""
    conn = server.http()
    try:
        name = unique_name("ka")
        conn.request("GET", "/health")
        r = conn.getresponse()
        assert r.status == 200
        r.read()
        sock = conn.sock
        assert sock is not None
        for body in (
            f"Action=CreateQueue&Version=2012-11-05&QueueName={name}",
            f"Action=GetQueueUrl&Version=2012-11-05&QueueName={name}",
            "Action=ListQueues&Version=2012-11-05",
        ):
            conn.request("POST", "/", body=body, headers={"Content-Type": FORM})
            r = conn.getresponse()
            assert r.status == 200, r.read()
            r.read()
            assert conn.sock is sock, "the connection was not kept alive"
        # An error response keeps the connection open too.
        conn.request("POST", "/", body="Action=Bogus&Version=2012-11-05", headers={"Content-Type": FORM})
        r = conn.getresponse()
        assert r.status == 400
        r.read()
        conn.request("GET", "/health")
        r = conn.getresponse()
        assert r.status == 200
        r.read()
        assert conn.sock is sock
    finally:
        conn.close()


def test_pipelining(server):
    """Two requests written in one send are answered in order on the same connection."""
    name = unique_name("pipe")
    first = raw_request(f"Action=CreateQueue&Version=2012-11-05&QueueName={name}")
    second = raw_request(f"Action=GetQueueUrl&Version=2012-11-05&QueueName={unique_name('absent')}")
    third = raw_request(f"Action=GetQueueUrl&Version=2012-11-05&QueueName={name}")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(first + second + third)
        (st1, b1), (st2, b2), (st3, b3) = read_responses(s, 3)
    assert st1 == 200 and b"<CreateQueueResponse" in b1 and name.encode() in b1
    assert st2 == 400 and b"AWS.SimpleQueueService.NonExistentQueue" in b2
    assert st3 == 200 and b"<GetQueueUrlResponse" in b3 and name.encode() in b3


def test_oversized_body_is_413(server):
    """A declared body over 16 MiB is refused with 413 and the server keeps serving."""
    size = 16 * 1024 * 1024 + 1
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(
            f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\nContent-Length: {size}\r\n\r\n".encode()
            + b"Action=SendMessage&MessageBody="
        )
        try:
            s.sendall(b"x" * (256 * 1024))
        except (BrokenPipeError, ConnectionResetError):
            pass
        (status, body), = read_responses(s, 1)
    assert status == 413
    assert b"RequestEntityTooLarge" in body or b"<Error>" in body
    still_serves(server)


def test_oversized_body_sent_in_full(server):
    """Actually streaming more than 16 MiB gets 413 (or a closed connection), never a crash."""
    size = 17 * 1024 * 1024
    status = None
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(
            f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\nContent-Length: {size}\r\n\r\n".encode()
        )
        chunk = b"y" * (1024 * 1024)
        try:
            for _ in range(17):
                s.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            (status, _), = read_responses(s, 1)
        except (ConnectionResetError, http.client.RemoteDisconnected, http.client.BadStatusLine):
            status = None
    assert status in (413, None)
    still_serves(server)


def test_oversized_headers(server):
    """Headers over 16 KiB get 431 (or a clean close) and the server keeps serving."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"p" * (20 * 1024) + b"\r\n\r\n")
        try:
            (status, _), = read_responses(s, 1)
        except (ConnectionResetError, http.client.RemoteDisconnected):
            status = None
    assert status in (431, None)
    still_serves(server)


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\x01\x02\x03 this is not http\r\n\r\n",
        b"GET\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS ClientHello
    ],
    ids=["binary", "no-target", "negative-length", "bad-chunk", "tls-hello"],
)
def test_garbage_input(server, garbage):
    """Malformed requests get 400 or a clean close, and the server keeps serving."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(garbage)
        s.settimeout(10)
        try:
            data = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            data = b""
    if data:
        assert data.startswith(b"HTTP/1.1 400"), data[:200]
    still_serves(server)


def test_half_request_then_close(server):
    """A client that disconnects mid-request does not disturb the server."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=Crea")
    time.sleep(0.1)
    still_serves(server)


def test_health(server):
    """GET /health is JSON with the version and the SQS service state."""
    conn = server.http()
    try:
        conn.request("GET", "/health")
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    assert r.status == 200
    assert r.getheader("Content-Type").startswith("application/json")
    doc = json.loads(body)
    assert doc["status"] == "ok"
    assert isinstance(doc["version"], str) and doc["version"]
    assert doc["services"]["sqs"] == "running"
    assert doc["auth"] == "open"
