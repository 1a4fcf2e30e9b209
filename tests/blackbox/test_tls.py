"""HTTPS on the same port as HTTP: --tls-self-signed and --tls-cert/--tls-key, driven by the aws CLI
and boto3 with real certificate verification, plus hostile handshakes and startup errors."""

import datetime
import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
import time

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from conftest import AWS_CLI, REGION, Sluice, aws_cli, unique_name, wait_for_stream

HAVE_CLI = (os.path.isabs(AWS_CLI) and os.access(AWS_CLI, os.X_OK)) or shutil.which(AWS_CLI)
needs_cli = pytest.mark.skipif(not HAVE_CLI, reason=f"aws CLI not found at {AWS_CLI}")
# The server's default TLS handshake timeout is 10 s; a stalled handshake must be cut by then.
HANDSHAKE_TIMEOUT = 10.0


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """One server with --tls-self-signed shared by this file's client tests."""
    base = tmp_path_factory.mktemp("tls")
    s = Sluice(base / "data", "--tls-self-signed", log_dir=base).start()
    yield s
    rc = s.stop()
    assert rc == 0, f"TLS sluice exited with {rc} on SIGTERM:\n{s.logs()}"


def client(service, endpoint, verify):
    session = boto3.session.Session(
        aws_access_key_id="AKIDTLS", aws_secret_access_key="tls-secret", region_name=REGION
    )
    return session.client(
        service,
        endpoint_url=endpoint,
        verify=verify,
        config=Config(retries={"max_attempts": 0}, connect_timeout=5, read_timeout=30),
    )


def aws(endpoint, *args, tls_args=(), expect_ok=True):
    return aws_cli(endpoint, *tls_args, *args, expect_ok=expect_ok)


def openssl_cert(directory, name, san="DNS:localhost,IP:127.0.0.1", key="rsa:2048"):
    """A self-signed certificate and key made by `openssl req`, as users make them."""
    cert = directory / f"{name}.crt"
    keyfile = directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", key, "-nodes", "-keyout", str(keyfile), "-out", str(cert),
         "-days", "2", "-subj", "/CN=localhost", "-addext", f"subjectAltName={san}"],
        check=True, capture_output=True, timeout=60,
    )
    return cert, keyfile


def tls_connect(port, cafile=None, verify=True):
    ctx = ssl.create_default_context(cafile=cafile) if verify else ssl._create_unverified_context()
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def read_response(sock):
    """One HTTP/1.1 response with a Content-Length body: (status, head, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


# -- the self-signed certificate ------------------------------------------------------------------


def test_self_signed_files_in_data_dir(tls_server):
    """The certificate lands in <data-dir>/tls, is announced on stdout, and its key is private."""
    cert = tls_server.tls_cert_file
    assert cert == str(tls_server.data_dir / "tls" / "cert.pem"), tls_server.stdout()
    key = tls_server.data_dir / "tls" / "key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "--ca-bundle" in tls_server.stdout()
    text = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-text"], capture_output=True,
                          text=True, check=True).stdout
    assert "DNS:localhost" in text and "IP Address:127.0.0.1" in text


def test_self_signed_reused_on_restart(sluice_factory):
    """A restart on the same data directory serves the same certificate, so trust set up once holds."""
    s = sluice_factory("--tls-self-signed")
    first = open(s.tls_cert_file, "rb").read()
    assert "self-signed, new" in s.stdout()
    assert s.stop() == 0
    s.restart()
    assert "self-signed, reused" in s.stdout()
    assert open(s.tls_cert_file, "rb").read() == first
    c = client("sqs", s.https_endpoint, s.tls_cert_file)
    assert "QueueUrl" in c.create_queue(QueueName=unique_name("tls"))


# -- AWS CLI ---------------------------------------------------------------------------------------


@needs_cli
def test_cli_sqs_and_kinesis_with_ca_bundle(tls_server):
    """aws sqs and aws kinesis work over https:// when given the certificate with --ca-bundle."""
    bundle = ("--ca-bundle", tls_server.tls_cert_file)
    name = unique_name("tlscli")
    url = aws(tls_server.https_endpoint, "sqs", "create-queue", "--queue-name", name, tls_args=bundle)["QueueUrl"]
    aws(tls_server.https_endpoint, "sqs", "send-message", "--queue-url", url, "--message-body", "over tls",
        tls_args=bundle)
    got = aws(tls_server.https_endpoint, "sqs", "receive-message", "--queue-url", url, tls_args=bundle)
    assert [m["Body"] for m in got["Messages"]] == ["over tls"]

    stream = unique_name("tlsks")
    aws(tls_server.https_endpoint, "kinesis", "create-stream", "--stream-name", stream, "--shard-count", "1",
        tls_args=bundle)
    assert stream in aws(tls_server.https_endpoint, "kinesis", "list-streams", tls_args=bundle)["StreamNames"]


@needs_cli
def test_cli_no_verify_ssl(tls_server):
    """--no-verify-ssl reaches the server without the certificate (the CLI only warns)."""
    flag = ("--no-verify-ssl",)
    name = unique_name("tlsnv")
    url = aws(tls_server.https_endpoint, "sqs", "create-queue", "--queue-name", name, tls_args=flag)["QueueUrl"]
    assert url.endswith("/" + name)
    aws(tls_server.https_endpoint, "kinesis", "list-streams", tls_args=flag)


@needs_cli
def test_cli_rejects_untrusted_certificate(tls_server, tmp_path):
    """Without trusting the certificate, or trusting another one, the CLI refuses: verification is real."""
    r = aws(tls_server.https_endpoint, "sqs", "list-queues", expect_ok=False)
    assert r.returncode != 0
    assert "SSL validation failed" in r.stderr or "CERTIFICATE_VERIFY_FAILED" in r.stderr, r.stderr
    other, _ = openssl_cert(tmp_path, "other")
    r = aws(tls_server.https_endpoint, "sqs", "list-queues", tls_args=("--ca-bundle", str(other)),
            expect_ok=False)
    assert r.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in r.stderr or "SSL validation failed" in r.stderr, r.stderr


# -- boto3 -----------------------------------------------------------------------------------------


def test_boto3_sqs_and_kinesis_verify_cert(tls_server):
    """boto3 with verify=<cert> runs SQS and Kinesis calls over https on one kept-alive connection each."""
    sqs = client("sqs", tls_server.https_endpoint, tls_server.tls_cert_file)
    url = sqs.create_queue(QueueName=unique_name("tlsb"))["QueueUrl"]
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    bodies = set()
    for _ in range(5):
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            bodies.add(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        if len(bodies) == 5:
            break
    assert bodies == {f"m{i}" for i in range(5)}

    kinesis = client("kinesis", tls_server.https_endpoint, tls_server.tls_cert_file)
    stream = unique_name("tlsbk")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    wait_for_stream(kinesis, stream)
    put = kinesis.put_record(StreamName=stream, Data=b"x" * 300_000, PartitionKey="k")
    it = kinesis.get_shard_iterator(StreamName=stream, ShardId=put["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = kinesis.get_records(ShardIterator=it)["Records"]
    assert [r["Data"] for r in records] == [b"x" * 300_000]


def test_boto3_subscribe_to_shard_over_https(tls_server):
    """SubscribeToShard streams over TLS (HTTP/1.1 chunks inside TLS records): a record put after
    subscribing arrives, then the stream is closed by the client."""
    kinesis = client("kinesis", tls_server.https_endpoint, tls_server.tls_cert_file)
    stream = unique_name("tlsfan")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    wait_for_stream(kinesis, stream)
    arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="tls")["Consumer"]["ConsumerARN"]
    deadline = time.monotonic() + 15
    while kinesis.describe_stream_consumer(ConsumerARN=consumer)["ConsumerDescription"]["ConsumerStatus"] != "ACTIVE":
        assert time.monotonic() < deadline, "consumer never became ACTIVE"
        time.sleep(0.05)
    out = kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000000",
                                     StartingPosition={"Type": "LATEST"})
    events = iter(out["EventStream"])
    try:
        assert next(events)["SubscribeToShardEvent"]["Records"] == []
        put = kinesis.put_record(StreamName=stream, Data=b"over tls", PartitionKey="k")
        for _ in range(20):
            records = next(events)["SubscribeToShardEvent"]["Records"]
            if records:
                break
        assert [(r["SequenceNumber"], r["Data"]) for r in records] == [(put["SequenceNumber"], b"over tls")]
    finally:
        out["EventStream"].close()


def test_boto3_rejects_untrusted_certificate(tls_server):
    """boto3 with the system trust store refuses the self-signed certificate."""
    sqs = client("sqs", tls_server.https_endpoint, True)
    with pytest.raises(botocore.exceptions.SSLError):
        sqs.list_queues()


def test_plain_http_on_the_same_port(tls_server):
    """http:// keeps working on the TLS port: the first byte decides."""
    sqs = tls_server.client()
    url = sqs.create_queue(QueueName=unique_name("plain"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="plain")
    assert tls_server.health()["status"] == "ok"
    tls = client("sqs", tls_server.https_endpoint, tls_server.tls_cert_file)
    assert tls.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "plain"


def test_queue_url_uses_https_over_tls(tls_server):
    """A queue created over https gets an https:// URL, as AWS's are."""
    sqs = client("sqs", tls_server.https_endpoint, tls_server.tls_cert_file)
    assert sqs.create_queue(QueueName=unique_name("scheme"))["QueueUrl"].startswith("https://")


# -- HTTP behaviour over TLS -----------------------------------------------------------------------


def test_alpn_selects_http11(tls_server):
    """A client offering only http/1.1 gets it (h2 by ALPN: test_http2.py)."""
    ctx = ssl.create_default_context(cafile=tls_server.tls_cert_file)
    ctx.set_alpn_protocols(["http/1.1"])
    with socket.create_connection(("127.0.0.1", tls_server.port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            assert s.selected_alpn_protocol() == "http/1.1"
            assert s.version() in ("TLSv1.2", "TLSv1.3")


def test_pipelining_and_100_continue_over_tls(tls_server):
    """Pipelined requests are answered in order, and Expect: 100-continue is honoured, over TLS."""
    with tls_connect(tls_server.port, tls_server.tls_cert_file) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n" * 3)
        for _ in range(3):
            status, _, body = read_response(s)
            assert status == 200 and json.loads(body)["status"] == "ok"
        body = b"Action=ListQueues"
        s.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                  b"Content-Type: application/x-www-form-urlencoded\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 100 Continue")
        s.sendall(body)
        status, _, answer = read_response(s)
        assert status == 200 and b"ListQueuesResponse" in answer


def test_oversize_body_over_tls_gets_413(tls_server):
    """A body over 16 MiB is refused with AWS's 413 over TLS too, and the server serves on."""
    with tls_connect(tls_server.port, tls_server.tls_cert_file) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Content-Length: 17000000\r\n\r\nAction=ListQueues")
        status, headers, body = read_response(s)
        assert status == 413, body
        assert b"RequestEntityTooLarge" in body
        assert headers.get("connection", "").lower() == "close"
    assert tls_server.health()["status"] == "ok"


def test_hostile_handshakes_do_not_stop_service(tls_server):
    """Garbage after a TLS record byte, a stalled handshake and a silent client are each handled while
    other clients are served; a stalled handshake is cut by the handshake timeout."""
    garbage = socket.create_connection(("127.0.0.1", tls_server.port), timeout=10)
    garbage.sendall(b"\x16\x03\x01\x00\x10" + os.urandom(16) + b"GET / HTTP/1.1\r\n\r\n")
    stalled = socket.create_connection(("127.0.0.1", tls_server.port), timeout=HANDSHAKE_TIMEOUT + 10)
    stalled.sendall(b"\x16\x03\x01\x02\x00\x01")  # a ClientHello that never completes
    silent = socket.create_connection(("127.0.0.1", tls_server.port), timeout=10)
    started = time.monotonic()
    try:
        # The garbage connection gets at most an alert, then is closed.
        garbage.settimeout(10)
        while garbage.recv(4096):
            pass
        # Others are served meanwhile, over both schemes.
        sqs = client("sqs", tls_server.https_endpoint, tls_server.tls_cert_file)
        assert "QueueUrl" in sqs.create_queue(QueueName=unique_name("hostile"))
        assert tls_server.health()["status"] == "ok"
        # The stalled handshake ends without a response once its timeout passes.
        try:
            assert stalled.recv(4096) == b""
        except ConnectionResetError:
            pass
        assert time.monotonic() - started < HANDSHAKE_TIMEOUT + 5
    finally:
        for s in (garbage, stalled, silent):
            s.close()
    assert tls_server.running


def test_client_closing_mid_handshake(tls_server):
    """Clients that drop the connection during the handshake or abruptly after it leave nothing behind."""
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", tls_server.port), timeout=10)
        s.sendall(b"\x16\x03\x01")
        s.close()
        t = tls_connect(tls_server.port, tls_server.tls_cert_file)
        t.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")  # half a request
        t.close()
    assert tls_server.health()["status"] == "ok"


# -- user-supplied certificates ----------------------------------------------------------------------


def test_openssl_req_certificate(sluice_factory, tmp_path):
    """--tls-cert/--tls-key with a certificate made by `openssl req` serve https and http."""
    cert, key = openssl_cert(tmp_path, "server")
    s = sluice_factory("--tls-cert", str(cert), "--tls-key", str(key))
    assert s.tls_cert_file is None  # nothing generated
    assert not (s.data_dir / "tls").exists()
    sqs = client("sqs", s.https_endpoint, str(cert))
    url = sqs.create_queue(QueueName=unique_name("req"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="rsa")
    assert s.client().receive_message(QueueUrl=url)["Messages"][0]["Body"] == "rsa"
    kinesis = client("kinesis", s.https_endpoint, str(cert))
    assert "StreamNames" in kinesis.list_streams()


def test_tls_settings_from_environment(sluice_factory, tmp_path):
    """SLUICE_TLS_CERT and SLUICE_TLS_KEY configure TLS as the flags do."""
    cert, key = openssl_cert(tmp_path, "env")
    s = sluice_factory(env={"SLUICE_TLS_CERT": str(cert), "SLUICE_TLS_KEY": str(key)})
    assert "ResponseMetadata" in client("sqs", s.https_endpoint, str(cert)).list_queues()
    with tls_connect(s.port, str(cert)) as t:
        t.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert read_response(t)[0] == 200


@pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
def test_expired_certificate_is_rejected_by_clients(sluice_factory, tmp_path):
    """A server given an expired certificate still starts, but clients that verify refuse it."""
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.utcnow()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=30))
        .not_valid_after(now - datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "expired.crt", tmp_path / "expired.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    s = sluice_factory("--tls-cert", str(cert_path), "--tls-key", str(key_path))
    with pytest.raises(ssl.SSLCertVerificationError) as e:
        tls_connect(s.port, str(cert_path))
    assert "expired" in str(e.value)
    sqs = client("sqs", s.https_endpoint, str(cert_path))
    with pytest.raises(botocore.exceptions.SSLError):
        sqs.list_queues()
    # Without verification the same server answers: the rejection was the client's check.
    assert "ResponseMetadata" in client("sqs", s.https_endpoint, False).list_queues()


# -- startup errors --------------------------------------------------------------------------------


def start_fails(sluice_factory, *args):
    s = sluice_factory(*args, start=False)
    with pytest.raises(RuntimeError):
        s.start()
    assert s.proc.returncode == 2, s.logs()
    return s.stderr()


def test_startup_errors_exit_2(sluice_factory, tmp_path):
    """Missing, non-PEM and mismatched TLS files, or half a pair, stop startup with a clear message."""
    cert, key = openssl_cert(tmp_path, "a")
    _, other_key = openssl_cert(tmp_path, "b")
    junk = tmp_path / "junk.pem"
    junk.write_text("not pem\n")

    err = start_fails(sluice_factory, "--tls-cert", str(tmp_path / "absent.crt"), "--tls-key", str(key))
    assert "absent.crt" in err and "No such file" in err, err
    err = start_fails(sluice_factory, "--tls-cert", str(cert), "--tls-key", str(tmp_path / "absent.key"))
    assert "absent.key" in err and "No such file" in err, err
    err = start_fails(sluice_factory, "--tls-cert", str(junk), "--tls-key", str(key))
    assert "junk.pem" in err and "PEM certificate" in err, err
    err = start_fails(sluice_factory, "--tls-cert", str(cert), "--tls-key", str(junk))
    assert "junk.pem" in err and "private key" in err, err
    err = start_fails(sluice_factory, "--tls-cert", str(cert), "--tls-key", str(other_key))
    assert "does not match" in err, err
    err = start_fails(sluice_factory, "--tls-cert", str(cert))
    assert "--tls-cert and --tls-key go together" in err, err
    err = start_fails(sluice_factory, "--tls-self-signed", "--tls-cert", str(cert), "--tls-key", str(key))
    assert "--tls-self-signed" in err, err
