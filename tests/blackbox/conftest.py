"""Shared fixtures for the black-box suite: starting and stopping sluice, AWS clients, helpers."""

import base64
import hashlib
import http.client
import itertools
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

BINARY = os.environ.get("SLUICE_BINARY", "/work/main/build/sluice")
REGION = "us-east-1"
DEFAULT_ACCOUNT = "000000000000"
# The Debian awscli v2.9 (Query protocol for SQS); a newer `aws` earlier on PATH would speak JSON.
AWS_CLI = os.environ.get("SLUICE_AWS_CLI", "/usr/bin/aws")
MD5_VECTORS = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "sqs-md5-vectors.json"
if not MD5_VECTORS.exists():
    MD5_VECTORS = Path("/work/shared/conformance/sqs-md5-vectors.json")

READY_LINE = re.compile(r"^sluice: listening on (\S+):(\d+)\s*$", re.M)
TLS_CERT_LINE = re.compile(r"^sluice: TLS certificate (\S+) ", re.M)
START_TIMEOUT = 20.0
STOP_TIMEOUT = 40.0


def _isolate_aws_environment():
    """Keep a developer's AWS profile, proxies and endpoint overrides out of the tests."""
    for key in list(os.environ):
        if key.startswith("AWS_") and key != "AWS_CA_BUNDLE":
            del os.environ[key]
        if key.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            del os.environ[key]
    os.environ["AWS_CONFIG_FILE"] = "/nonexistent/sluice-blackbox/config"
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/sluice-blackbox/credentials"
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ["NO_PROXY"] = "*"


_isolate_aws_environment()


def pytest_configure(config):
    if not os.access(BINARY, os.X_OK):
        raise pytest.UsageError(
            f"sluice binary not found at {BINARY}; build it (cmake --build build) or set SLUICE_BINARY"
        )


AWS_CLI_MISSING = pytest.mark.skipif(
    not (os.path.isabs(AWS_CLI) and os.access(AWS_CLI, os.X_OK)) and not shutil.which(AWS_CLI),
    reason=f"aws CLI not found at {AWS_CLI}",
)


def aws_cli(endpoint, *args, expect_ok=True):
    """Runs `aws --endpoint-url ENDPOINT --output json ARGS...` with test credentials and no
    retries. expect_ok: asserts success and returns the parsed JSON output; otherwise returns
    the CompletedProcess."""
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="AKIDCLI",
        AWS_SECRET_ACCESS_KEY="cli-secret",
        AWS_DEFAULT_REGION=REGION,
        AWS_PAGER="",
        AWS_MAX_ATTEMPTS="1",
        AWS_RETRY_MODE="standard",
    )
    env.pop("AWS_CA_BUNDLE", None)  # trust is what the call's own flags say
    r = subprocess.run(
        [AWS_CLI, "--endpoint-url", endpoint, "--output", "json", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if expect_ok:
        assert r.returncode == 0, f"aws {' '.join(args)} failed:\n{r.stderr}"
        return json.loads(r.stdout) if r.stdout.strip() else {}
    return r


def free_port():
    """A TCP port that is free right now on 127.0.0.1 (for tests that must name the port)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sluice:
    """One sluice server process, started with `serve` and driven over HTTP."""

    _counter = itertools.count()

    def __init__(self, data_dir, *args, port=0, env=None, log_dir=None, pass_port=True, pass_data_dir=True):
        self.data_dir = Path(data_dir)
        self.args = list(args)
        self.requested_port = port
        self.extra_env = dict(env or {})
        self.pass_port = pass_port
        self.pass_data_dir = pass_data_dir
        self.log_dir = Path(log_dir) if log_dir else self.data_dir.parent
        self.proc = None
        self.host = None
        self.port = None
        self.stdout_path = None
        self.stderr_path = None
        self.returncode = None

    # -- lifecycle -------------------------------------------------------------------------------

    def command(self):
        cmd = [BINARY, "serve"]
        if self.pass_port:
            cmd += ["--port", str(self.requested_port)]
        if self.pass_data_dir:
            cmd += ["--data-dir", str(self.data_dir)]
        return cmd + self.args

    def start(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        n = next(Sluice._counter)
        self.stdout_path = self.log_dir / f"sluice-{os.getpid()}-{n}.out"
        self.stderr_path = self.log_dir / f"sluice-{os.getpid()}-{n}.err"
        env = dict(os.environ)
        for key in list(env):
            if key.startswith("SLUICE_"):
                del env[key]
        env.update(self.extra_env)
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.command(), stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        self.returncode = None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            m = READY_LINE.search(self.stdout())
            if m:
                self.host, self.port = m.group(1), int(m.group(2))
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"sluice exited with {self.proc.returncode} before listening:\n{self.logs()}")
            time.sleep(0.02)
        self.proc.kill()
        self.proc.wait()
        raise RuntimeError(f"sluice did not print its listening line within {START_TIMEOUT}s:\n{self.logs()}")

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Sends `sig` and waits; returns the exit code."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"sluice did not exit within {timeout}s of signal {sig}:\n{self.logs()}")
        return self.returncode

    def kill(self):
        """SIGKILL: no chance to flush or clean up."""
        self.proc.kill()
        self.returncode = self.proc.wait()
        return self.returncode

    def restart(self):
        """Starts a fresh process on the same data directory and port."""
        self.requested_port = self.port
        return self.start()

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # -- output ----------------------------------------------------------------------------------

    def stdout(self):
        try:
            return self.stdout_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stderr(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def logs(self):
        return f"--- stdout ---\n{self.stdout()[-4000:]}\n--- stderr ---\n{self.stderr()[-4000:]}"

    # -- clients ---------------------------------------------------------------------------------

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def https_endpoint(self):
        """The same port over TLS (servers started with --tls-self-signed or --tls-cert)."""
        return f"https://localhost:{self.port}"

    @property
    def tls_cert_file(self):
        """The self-signed certificate the server reported at startup (--tls-self-signed), or None."""
        m = TLS_CERT_LINE.search(self.stdout())
        return m.group(1) if m else None

    def client(self, access_key="AKIDBLACKBOX", secret="blackbox-secret", endpoint=None, read_timeout=30):
        return make_sqs_client(endpoint or self.endpoint, access_key, secret, read_timeout=read_timeout)

    def kinesis(self, read_timeout=30):
        return make_kinesis_client(self.endpoint, read_timeout=read_timeout)

    def http(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def raw_query(self, params, headers=None, path="/"):
        """POSTs a Query form without signing it; returns (status, headers, body bytes)."""
        body = "&".join(f"{k}={_quote(v)}" for k, v in params.items()) if isinstance(params, dict) else params
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        conn = self.http()
        try:
            conn.request("POST", path, body=body, headers=h)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def health(self):
        conn = self.http()
        try:
            conn.request("GET", "/health")
            r = conn.getresponse()
            assert r.status == 200
            return json.loads(r.read())
        finally:
            conn.close()


def _quote(v):
    from urllib.parse import quote

    return quote(str(v), safe="")


def make_sqs_client(endpoint, access_key="AKIDBLACKBOX", secret="blackbox-secret", read_timeout=30):
    session = boto3.session.Session(
        aws_access_key_id=access_key, aws_secret_access_key=secret, region_name=REGION
    )
    return session.client(
        "sqs",
        endpoint_url=endpoint,
        config=Config(
            retries={"max_attempts": 0},
            connect_timeout=5,
            read_timeout=read_timeout,
            parameter_validation=True,
        ),
    )


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def sluice_factory(tmp_path):
    """Starts servers on demand; every one still running at teardown gets SIGTERM and must exit 0."""
    started = []

    def make(*args, data_dir=None, start=True, **kwargs):
        d = Path(data_dir) if data_dir else tmp_path / f"data{len(started)}"
        s = Sluice(d, *args, log_dir=tmp_path, **kwargs)
        started.append(s)
        if start:
            s.start()
        return s

    yield make
    failures = []
    for s in started:
        if s.running:
            rc = s.stop()
            if rc != 0:
                failures.append(f"exit code {rc}\n{s.logs()}")
    assert not failures, "sluice did not stop cleanly on SIGTERM:\n" + "\n".join(failures)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """One open-mode server shared by the API tests (each test uses its own queues)."""
    base = tmp_path_factory.mktemp("shared")
    s = Sluice(base / "data", log_dir=base).start()
    yield s
    rc = s.stop()
    assert rc == 0, f"shared sluice exited with {rc} on SIGTERM:\n{s.logs()}"


@pytest.fixture(scope="session")
def sqs(server):
    return server.client()


_names = itertools.count()


def unique_name(prefix="q"):
    return f"{prefix}-{os.getpid()}-{next(_names)}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def queue(sqs):
    """A fresh, empty standard queue on the shared server; returns its URL."""
    return sqs.create_queue(QueueName=unique_name())["QueueUrl"]


# -- assertions and AWS algorithms --------------------------------------------------------------


def client_error(fn, *args, **kwargs):
    """Calls fn expecting a ClientError; returns the parsed error response."""
    with pytest.raises(ClientError) as ei:
        fn(*args, **kwargs)
    return ei.value.response


def assert_error(response, code, status, message=None, message_contains=None):
    err = response["Error"]
    assert err["Code"] == code, response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status, response
    if message is not None:
        assert err.get("Message") == message, response
    if message_contains is not None:
        assert message_contains in (err.get("Message") or ""), response


def expect_error(code, status, fn, *args, message=None, message_contains=None, **kwargs):
    resp = client_error(fn, *args, **kwargs)
    assert_error(resp, code, status, message=message, message_contains=message_contains)
    return resp


def md5_hex(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.md5(data).hexdigest()


def md5_of_message_attributes(attributes):
    """MD5OfMessageAttributes as AWS computes it (see sqs-md5-vectors.json): names sorted; for each,
    len32be(name) name len32be(type) type, transport byte 1 (String/Number) or 2 (Binary),
    len32be(value) value."""

    def field(b):
        return struct.pack(">I", len(b)) + b

    buf = b""
    for name in sorted(attributes, key=lambda n: n.encode("utf-8")):
        a = attributes[name]
        buf += field(name.encode("utf-8")) + field(a["DataType"].encode("utf-8"))
        if "BinaryValue" in a:
            v = a["BinaryValue"]
            buf += b"\x02" + field(v if isinstance(v, bytes) else v.encode("utf-8"))
        else:
            buf += b"\x01" + field(a["StringValue"].encode("utf-8"))
    return hashlib.md5(buf).hexdigest()


def load_md5_vectors():
    if not MD5_VECTORS.exists():
        pytest.skip(f"conformance vectors not present at {MD5_VECTORS}")
    return json.loads(MD5_VECTORS.read_text(encoding="utf-8"))


def vector_attributes(vector_attrs):
    """The vectors file's attribute map as boto3 MessageAttributes (binary values decoded)."""
    out = {}
    for name, a in vector_attrs.items():
        v = {"DataType": a["DataType"]}
        if "BinaryValueBase64" in a:
            v["BinaryValue"] = base64.b64decode(a["BinaryValueBase64"])
        else:
            v["StringValue"] = a["StringValue"]
        out[name] = v
    return out


def drain(client, queue_url, visibility=600, limit=100000):
    """Receives until the queue returns nothing; returns the messages (kept in flight)."""
    got = []
    empty = 0
    while empty < 2 and len(got) < limit:
        r = client.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=visibility, WaitTimeSeconds=0
        )
        msgs = r.get("Messages", [])
        if msgs:
            got.extend(msgs)
            empty = 0
        else:
            empty += 1
    return got


def counts(client, queue_url):
    attrs = client.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return (
        int(attrs["ApproximateNumberOfMessages"]),
        int(attrs["ApproximateNumberOfMessagesNotVisible"]),
        int(attrs["ApproximateNumberOfMessagesDelayed"]),
    )


def parse_query_error(body):
    """(Type, Code, Message) of a Query <ErrorResponse>."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(body)
    ns = {"s": root.tag[1:].split("}")[0]} if root.tag.startswith("{") else {}
    prefix = "s:" if ns else ""
    err = root.find(f"{prefix}Error", ns)
    assert err is not None, body

    def text(tag):
        el = err.find(f"{prefix}{tag}", ns)
        return el.text if el is not None else None

    return text("Type"), text("Code"), text("Message")


# -- Kinesis ------------------------------------------------------------------------------------

KINESIS_TARGET = "Kinesis_20131202"
KINESIS_JSON = "application/x-amz-json-1.1"
HASH_KEY_MAX = 2**128 - 1
# How long a stream may take to leave CREATING / UPDATING / DELETING before a test gives up.
KINESIS_SETTLE_TIMEOUT = 15.0


def make_kinesis_client(endpoint, access_key="AKIDBLACKBOX", secret="blackbox-secret", read_timeout=30):
    """A boto3 Kinesis client. Client-side validation is off, so the server's own checks (and
    AWS's ValidationException texts) are what a test sees, as with SDKs that do not validate."""
    session = boto3.session.Session(
        aws_access_key_id=access_key, aws_secret_access_key=secret, region_name=REGION
    )
    return session.client(
        "kinesis",
        endpoint_url=endpoint,
        config=Config(
            retries={"max_attempts": 0},
            connect_timeout=5,
            read_timeout=read_timeout,
            parameter_validation=False,
        ),
    )


def sign_post(url, service, body, headers, access_key="AKIDBLACKBOX", secret="blackbox-secret"):
    """The headers of a POST of `body` to `url` with `headers`, signed with SigV4 for the
    credential-scope `service` as an SDK signs it (Host included)."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials

    req = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body, headers=headers)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(access_key, secret), service, REGION).add_auth(req)
    return dict(req.headers.items())


def signed_post(endpoint, service, target, body, content_type, extra_headers=None,
                access_key="AKIDBLACKBOX", secret="blackbox-secret"):
    """POSTs `body` to `endpoint` with X-Amz-Target (none when `target` is None: a Query form),
    signed with SigV4 for `service`. Returns (status, lower-cased headers, body bytes)."""
    from urllib.parse import urlsplit

    headers = {"Content-Type": content_type}
    if target is not None:
        headers["X-Amz-Target"] = target
    headers.update(extra_headers or {})
    signed = sign_post(endpoint + "/", service, body, headers, access_key, secret)
    parts = urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("POST", "/", body=body, headers=signed)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def kinesis_json(server, operation, body, raw=None):
    """A signed AWS JSON 1.1 Kinesis call, for members and operations that Debian's boto3 1.26
    does not model (StreamARN, resource policies, TagResource, MaxRecordSizeInKiB, ...).
    Returns (status, parsed JSON body)."""
    data = raw if raw is not None else json.dumps(body).encode("utf-8")
    status, headers, payload = signed_post(
        server.endpoint, "kinesis", f"{KINESIS_TARGET}.{operation}", data, KINESIS_JSON
    )
    assert headers.get("x-amzn-requestid"), headers
    return status, (json.loads(payload) if payload else {})


def json_error_code(body):
    """The error code of a JSON error body, as SDKs read it (`__type` after any '#')."""
    return (body.get("__type") or "").split("#")[-1]


def assert_json_error(status, body, code, message=None, message_contains=None, http_status=400):
    assert status == http_status, (status, body)
    assert json_error_code(body) == code, body
    text = body.get("message") or body.get("Message") or ""
    if message is not None:
        assert text == message, body
    if message_contains is not None:
        assert message_contains in text, body


def stream_arn(name, account=DEFAULT_ACCOUNT):
    return f"arn:aws:kinesis:{REGION}:{account}:stream/{name}"


def not_found_message(name, account=DEFAULT_ACCOUNT):
    return f"Stream {name} under account {account} not found."


def validation_message(value, member, constraint):
    """AWS's text for a single failed model constraint."""
    shown = "null" if value is None else f"'{value}'"
    return f"1 validation error detected: Value {shown} at '{member}' failed to satisfy constraint: {constraint}"


def wait_for_stream(client, name, status="ACTIVE", timeout=KINESIS_SETTLE_TIMEOUT):
    """Polls DescribeStreamSummary until the stream reports `status`; returns the summary."""
    deadline = time.monotonic() + timeout
    while True:
        summary = client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        if summary["StreamStatus"] == status:
            return summary
        if time.monotonic() > deadline:
            raise AssertionError(f"stream {name} still {summary['StreamStatus']} after {timeout}s, wanted {status}")
        time.sleep(0.05)


def wait_for_stream_gone(client, name, timeout=KINESIS_SETTLE_TIMEOUT):
    """Polls until DescribeStreamSummary answers ResourceNotFoundException."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            status = client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"]
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response
            return
        assert status == "DELETING", status
        if time.monotonic() > deadline:
            raise AssertionError(f"stream {name} still DELETING after {timeout}s")
        time.sleep(0.05)


def create_stream(client, name=None, shards=1, wait=True, **kwargs):
    """Creates a stream (provisioned with `shards` unless StreamModeDetails says otherwise) and by
    default waits until it is ACTIVE. Returns its name."""
    name = name or unique_name("ks")
    if kwargs.get("StreamModeDetails", {}).get("StreamMode") == "ON_DEMAND":
        client.create_stream(StreamName=name, **kwargs)
    else:
        client.create_stream(StreamName=name, ShardCount=shards, **kwargs)
    if wait:
        wait_for_stream(client, name)
    return name


def list_all_shards(client, name):
    """Every shard of the stream (ListShards, following NextToken)."""
    out = client.list_shards(StreamName=name)
    shards = list(out["Shards"])
    while out.get("NextToken"):
        out = client.list_shards(NextToken=out["NextToken"])
        shards += out["Shards"]
    return shards


def hash_key_of(partition_key):
    """The 128-bit hash key AWS routes a partition key by: MD5 of its UTF-8 bytes, big-endian."""
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def shard_covering(shards, hash_key):
    """The id of the open shard whose hash key range holds `hash_key`."""
    hits = [
        s["ShardId"]
        for s in shards
        if "EndingSequenceNumber" not in s["SequenceNumberRange"]
        and int(s["HashKeyRange"]["StartingHashKey"]) <= hash_key <= int(s["HashKeyRange"]["EndingHashKey"])
    ]
    assert len(hits) == 1, (hash_key, shards)
    return hits[0]


def get_records(client, iterator, limit=None, attempts=20):
    """One GetRecords call, retried after a short pause if the shard's read rate is exceeded (as
    every real consumer does)."""
    kwargs = {"ShardIterator": iterator}
    if limit is not None:
        kwargs["Limit"] = limit
    for attempt in range(attempts):
        try:
            return client.get_records(**kwargs)
        except ClientError as e:
            if e.response["Error"]["Code"] != "ProvisionedThroughputExceededException" or attempt == attempts - 1:
                raise
            time.sleep(0.25)


def read_shard(client, name, shard_id, iterator_type="TRIM_HORIZON", max_calls=200, **iterator_args):
    """Reads a shard from the given position until a response is empty and caught up
    (MillisBehindLatest 0) or the shard ends (NextShardIterator null). Returns (records, last
    response)."""
    it = client.get_shard_iterator(
        StreamName=name, ShardId=shard_id, ShardIteratorType=iterator_type, **iterator_args
    )["ShardIterator"]
    records = []
    for _ in range(max_calls):
        out = get_records(client, it)
        records += out["Records"]
        it = out.get("NextShardIterator")
        if it is None or (not out["Records"] and out.get("MillisBehindLatest") == 0):
            return records, out
    raise AssertionError(f"shard {shard_id} of {name} not read to its end within {max_calls} calls")


@pytest.fixture(scope="session")
def kinesis(server):
    return make_kinesis_client(server.endpoint)


class StreamPool:
    """ACTIVE provisioned streams made ahead, five at a time (AWS lets five streams be CREATING at
    once), so that tests needing a plain fresh stream do not each wait for one to be created."""

    BATCH = 5

    def __init__(self, client):
        self.client = client
        self.ready = {}  # shard count -> names

    def take(self, shards):
        names = self.ready.setdefault(shards, [])
        if not names:
            batch = [unique_name("ks") for _ in range(self.BATCH)]
            for name in batch:
                self.client.create_stream(StreamName=name, ShardCount=shards)
            for name in batch:
                wait_for_stream(self.client, name)
            names.extend(batch)
        return names.pop()


@pytest.fixture(scope="session")
def stream_pool(kinesis):
    return StreamPool(kinesis)


@pytest.fixture
def new_stream(kinesis, stream_pool):
    """Gives a test fresh streams on the shared server (see create_stream; plain ACTIVE provisioned
    ones come from a pool) and deletes them afterwards, consumers and all. With create=False it only
    takes a stream the test created itself into that clean-up."""
    made = []

    def make(wait=True, create=True, shards=1, **kwargs):
        if not create:
            made.append(kwargs["name"])
            return kwargs["name"]
        if wait and not kwargs:
            name = stream_pool.take(shards)
            made.append(name)
            return name
        name = kwargs.pop("name", None) or unique_name("ks")
        made.append(name)
        return create_stream(kinesis, name=name, shards=shards, wait=wait, **kwargs)

    yield make
    for name in made:
        delete_stream_quietly(kinesis, name)


def delete_stream_quietly(client, name):
    """Deletes a stream once it is ACTIVE again (a stream that is still changing refuses
    DeleteStream); a stream that is already gone is fine."""
    for _ in range(2):
        try:
            client.delete_stream(StreamName=name, EnforceConsumerDeletion=True)
            return
        except ClientError as e:
            if e.response["Error"]["Code"] != "ResourceInUseException":
                return
        try:
            wait_for_stream(client, name)
        except (AssertionError, ClientError):
            return
