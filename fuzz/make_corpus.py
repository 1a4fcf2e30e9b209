#!/usr/bin/python3
"""Regenerates the seed corpora under fuzz/corpus/.

Query bodies are serialized by botocore's own Query serializer from the SQS model shipped with
Debian's python3-botocore (the protocol boto3 1.26 and AWS CLI 2.9 speak), so they are byte for
byte what those clients post. JSON bodies carry the same parameters as AWS JSON 1.0 (SQS) and
1.1 (Kinesis) put them: member names as in the model, blobs base64, timestamps epoch seconds.
CBOR bodies carry them as the AWS Java SDKs write AWS CBOR 1.1 with Jackson (indefinite-length
maps and arrays, blobs as byte strings, timestamps as tag 1 + integer epoch milliseconds), and as
an RFC 8949 encoder (python3-cbor2) writes them (definite lengths, tag 1 + epoch seconds).
Signed requests are signed by botocore's SigV4 signer with the AWS test-suite key at the
test-suite time (2015-08-30T12:36:00Z), which is what the sigv4 target's strict verifier expects;
a few vectors of the AWS SigV4 test suite are copied as they are.

Run with Debian's interpreter: /usr/bin/python3 fuzz/make_corpus.py
Files are named by content hash, as libFuzzer names corpus entries; existing files are kept.
"""

import base64
import datetime
import hashlib
import hmac
import json
import struct
import sys
from pathlib import Path
from urllib.parse import urlencode

import botocore.auth
import botocore.credentials
import botocore.serialize
import botocore.session
import cbor2
from botocore.awsrequest import AWSRequest

FUZZ = Path(__file__).resolve().parent
CORPUS = FUZZ / "corpus"
CONFORMANCE = FUZZ.parents[1] / "shared" / "conformance" / "sigv4"

SUITE_TIME = datetime.datetime(2015, 8, 30, 12, 36, 0)
AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
FIFO = "https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo"
# Same secret as fuzz/receipt_handle.cc.
RECEIPT_SECRET = b"fuzz-receipt-handle-secret-0123456789abcdef"

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Id": "orders-policy",
        "Statement": [
            {
                "Sid": "send",
                "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::111122223333:root"]},
                "Action": "SQS:SendMessage",
                "Resource": "arn:aws:sqs:us-east-1:123456789012:orders",
            }
        ],
    }
)
REDRIVE = json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:orders-dlq", "maxReceiveCount": "3"})


def receipt_handle(queue_id, seq, count, secret=RECEIPT_SECRET):
    raw = b"\x01" + struct.pack(">QQI", queue_id, seq, count)
    raw += hmac.new(secret, raw, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


HANDLE = receipt_handle(7, 42, 1)

# (operation, parameters) as an application passes them to boto3.
SQS_CALLS = [
    ("CreateQueue", {"QueueName": "orders", "Attributes": {"VisibilityTimeout": "60", "DelaySeconds": "5"}}),
    (
        "CreateQueue",
        {
            "QueueName": "orders.fifo",
            "Attributes": {"FifoQueue": "true", "ContentBasedDeduplication": "true", "RedrivePolicy": REDRIVE},
            "tags": {"team": "payments", "env": "dev"},
        },
    ),
    ("GetQueueUrl", {"QueueName": "orders", "QueueOwnerAWSAccountId": "123456789012"}),
    ("ListQueues", {"QueueNamePrefix": "ord", "MaxResults": 10, "NextToken": "b3JkZXJz"}),
    ("DeleteQueue", {"QueueUrl": QUEUE}),
    ("PurgeQueue", {"QueueUrl": QUEUE}),
    ("GetQueueAttributes", {"QueueUrl": QUEUE, "AttributeNames": ["All"]}),
    (
        "GetQueueAttributes",
        {"QueueUrl": QUEUE, "AttributeNames": ["ApproximateNumberOfMessages", "VisibilityTimeout", "Policy"]},
    ),
    ("SetQueueAttributes", {"QueueUrl": QUEUE, "Attributes": {"Policy": POLICY, "MaximumMessageSize": "1024"}}),
    (
        "SendMessage",
        {
            "QueueUrl": QUEUE,
            "MessageBody": '{"id": 1, "note": "caf\u00e9 \u2603"}',
            "DelaySeconds": 2,
            "MessageAttributes": {
                "kind": {"DataType": "String", "StringValue": "new"},
                "count": {"DataType": "Number", "StringValue": "-12.5e3"},
                "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff"},
                "custom": {"DataType": "String.custom", "StringValue": "x"},
            },
            "MessageSystemAttributes": {
                "AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}
            },
        },
    ),
    (
        "SendMessage",
        {"QueueUrl": FIFO, "MessageBody": "hello", "MessageGroupId": "g1", "MessageDeduplicationId": "d1"},
    ),
    (
        "SendMessageBatch",
        {
            "QueueUrl": QUEUE,
            "Entries": [
                {"Id": "a", "MessageBody": "one"},
                {
                    "Id": "b",
                    "MessageBody": "two",
                    "DelaySeconds": 1,
                    "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}},
                },
            ],
        },
    ),
    (
        "ReceiveMessage",
        {
            "QueueUrl": QUEUE,
            "AttributeNames": ["All"],
            "MessageAttributeNames": ["All", "kind", "custom.*"],
            "MaxNumberOfMessages": 10,
            "VisibilityTimeout": 30,
            "WaitTimeSeconds": 20,
        },
    ),
    ("ReceiveMessage", {"QueueUrl": FIFO, "ReceiveRequestAttemptId": "attempt-1", "MaxNumberOfMessages": 1}),
    ("DeleteMessage", {"QueueUrl": QUEUE, "ReceiptHandle": HANDLE}),
    (
        "DeleteMessageBatch",
        {"QueueUrl": QUEUE, "Entries": [{"Id": "a", "ReceiptHandle": HANDLE}, {"Id": "b", "ReceiptHandle": "bogus"}]},
    ),
    ("ChangeMessageVisibility", {"QueueUrl": QUEUE, "ReceiptHandle": HANDLE, "VisibilityTimeout": 43200}),
    (
        "ChangeMessageVisibilityBatch",
        {"QueueUrl": QUEUE, "Entries": [{"Id": "a", "ReceiptHandle": HANDLE, "VisibilityTimeout": 0}]},
    ),
    ("TagQueue", {"QueueUrl": QUEUE, "Tags": {"team": "payments", "cost-center": "42"}}),
    ("UntagQueue", {"QueueUrl": QUEUE, "TagKeys": ["team", "cost-center"]}),
    ("ListQueueTags", {"QueueUrl": QUEUE}),
    (
        "AddPermission",
        {
            "QueueUrl": QUEUE,
            "Label": "send-from-other",
            "AWSAccountIds": ["111122223333", "444455556666"],
            "Actions": ["SendMessage", "ReceiveMessage"],
        },
    ),
    ("RemovePermission", {"QueueUrl": QUEUE, "Label": "send-from-other"}),
    ("ListDeadLetterSourceQueues", {"QueueUrl": QUEUE, "MaxResults": 5}),
]

# Operations newer than the Debian model, as current SDKs send them.
EXTRA_SQS_CALLS = [
    (
        "StartMessageMoveTask",
        {
            "SourceArn": "arn:aws:sqs:us-east-1:123456789012:orders-dlq",
            "DestinationArn": "arn:aws:sqs:us-east-1:123456789012:orders",
            "MaxNumberOfMessagesPerSecond": 50,
        },
    ),
    ("ListMessageMoveTasks", {"SourceArn": "arn:aws:sqs:us-east-1:123456789012:orders-dlq", "MaxResults": 10}),
    (
        "CancelMessageMoveTask",
        {
            "TaskHandle": base64.b64encode(
                json.dumps(
                    {"taskId": "t-1", "sourceArn": "arn:aws:sqs:us-east-1:123456789012:orders-dlq"}
                ).encode()
            ).decode()
        },
    ),
]
EXTRA_QUERY = [
    "Action=StartMessageMoveTask&Version=2012-11-05"
    "&SourceArn=arn%3Aaws%3Asqs%3Aus-east-1%3A123456789012%3Aorders-dlq&MaxNumberOfMessagesPerSecond=50",
    "Action=ListMessageMoveTasks&Version=2012-11-05"
    "&SourceArn=arn%3Aaws%3Asqs%3Aus-east-1%3A123456789012%3Aorders-dlq&MaxResults=10",
    "Action=CancelMessageMoveTask&Version=2012-11-05&TaskHandle="
    "eyJ0YXNrSWQiOiAidC0xIiwgInNvdXJjZUFybiI6ICJhcm46YXdzOnNxczp1cy1lYXN0LTE6MTIzNDU2Nzg5MDEyOm9yZGVycy1kbHEifQ%3D%3D",
]

KINESIS_CALLS = [
    ("CreateStream", {"StreamName": "clicks", "ShardCount": 2, "StreamModeDetails": {"StreamMode": "PROVISIONED"}}),
    ("PutRecord", {"StreamName": "clicks", "Data": b"\x00hello\xff", "PartitionKey": "user-1",
                   "ExplicitHashKey": "170141183460469231731687303715884105728"}),
    (
        "PutRecords",
        {
            "StreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/clicks",
            "Records": [{"Data": b"a", "PartitionKey": "p1"}, {"Data": b"bb", "PartitionKey": "p2"}],
        },
    ),
    (
        "GetShardIterator",
        {"StreamName": "clicks", "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP",
         "Timestamp": 1440938160.5},
    ),
    ("GetRecords", {"ShardIterator": "AAAAAAAAAAH" + "a" * 40, "Limit": 100}),
    ("DescribeStream", {"StreamName": "clicks", "Limit": 10, "ExclusiveStartShardId": "shardId-000000000000"}),
    ("ListShards", {"StreamName": "clicks", "MaxResults": 100, "StreamCreationTimestamp": 1440938160}),
    ("AddTagsToStream", {"StreamName": "clicks", "Tags": {"team": "web"}}),
    (
        "SubscribeToShard",
        {
            "ConsumerARN": "arn:aws:kinesis:us-east-1:123456789012:stream/clicks/consumer/app:1440938160",
            "ShardId": "shardId-000000000000",
            "StartingPosition": {"Type": "AT_SEQUENCE_NUMBER", "SequenceNumber": "49590338271490256608559692538361571095921575989136588898"},
        },
    ),
]


def write(target, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def json_default(o):
    if isinstance(o, bytes):
        return base64.b64encode(o).decode()
    raise TypeError(o)


def json_body(params):
    return json.dumps(params, default=json_default, separators=(",", ":"))


# Members that are timestamps in the calls above (the seeds carry them as epoch seconds).
TIMESTAMP_MEMBERS = {"Timestamp", "StreamCreationTimestamp"}


def _cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError(n)


def jackson_cbor(value, key=None):
    """CBOR as the Java SDKs' Jackson generator writes it."""
    if key in TIMESTAMP_MEMBERS:
        return b"\xc1" + _cbor_head(0, int(round(value * 1000)))
    if isinstance(value, dict):
        return b"\xbf" + b"".join(jackson_cbor(k) + jackson_cbor(v, k) for k, v in value.items()) + b"\xff"
    if isinstance(value, list):
        return b"\x9f" + b"".join(jackson_cbor(v) for v in value) + b"\xff"
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, str):
        return _cbor_head(3, len(value.encode())) + value.encode()
    return cbor2.dumps(value)


def rfc_cbor(params):
    """Definite lengths and tag 1 + epoch seconds, as an RFC 8949 encoder writes them."""
    def convert(value, key=None):
        if key in TIMESTAMP_MEMBERS:
            return cbor2.CBORTag(1, value)
        if isinstance(value, dict):
            return {k: convert(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value
    return cbor2.dumps(convert(params))


def sign(method, url, host, headers, body, presign=False):
    """Signs like botocore at the test-suite time; returns the suite's text form of the request."""

    class FrozenDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return SUITE_TIME

    real = botocore.auth.datetime.datetime
    botocore.auth.datetime.datetime = FrozenDatetime
    try:
        creds = botocore.credentials.Credentials(AKID, SECRET)
        req = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
        if presign:
            botocore.auth.SigV4QueryAuth(creds, "sqs", "us-east-1", expires=3600).add_auth(req)
        else:
            botocore.auth.SigV4Auth(creds, "sqs", "us-east-1").add_auth(req)
    finally:
        botocore.auth.datetime.datetime = real
    target = req.url.split(host, 1)[1] or "/"
    lines = [f"{method} {target} HTTP/1.1", f"Host:{host}"]
    lines += [f"{k}:{v}" for k, v in req.headers.items()]
    b = body if isinstance(body, bytes) else body.encode()
    return "\n".join(lines).encode() + b"\n\n" + b


def http_request(method, target, headers, body=b""):
    if isinstance(body, str):
        body = body.encode()
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode() + body


def h2_frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def h2_seeds():
    """Client frames after the preface, each with the h2_session mode byte in front: SETTINGS,
    requests in HPACK (static-table indexes, literals without Huffman), bodies, CONTINUATION,
    WINDOW_UPDATE, PRIORITY, PING, RST_STREAM and GOAWAY."""
    settings, ack = h2_frame(4, 0, 0), h2_frame(4, 1, 0)

    def literal(index, value):  # literal with incremental indexing, indexed name
        return bytes([0x40 | index, len(value)]) + value

    def literal_new(name, value):
        return bytes([0x40, len(name)]) + name + bytes([len(value)]) + value

    get = bytes([0x82, 0x86, 0x84]) + literal(1, b"localhost")  # GET http / :authority
    post = (bytes([0x83, 0x86, 0x84]) + literal(1, b"localhost")
            + literal_new(b"x-amz-target", b"Kinesis_20131202.SubscribeToShard")
            + literal(31, b"application/x-amz-json-1.1"))
    body = json.dumps({"ConsumerARN": "arn", "ShardId": "shardId-000000000000",
                       "StartingPosition": {"Type": "LATEST"}}, separators=(",", ":")).encode()
    end_stream, end_headers = 0x1, 0x4
    pings = b"".join(h2_frame(6, 0, 0, bytes([c]) * 8) for c in b"abcdef")
    return [bytes([mode]) + frames for mode, frames in [
        (0x00, settings + h2_frame(1, end_stream | end_headers, 1, get)),
        (0x11, settings + h2_frame(1, end_stream | end_headers, 1, get) + h2_frame(1, end_stream | end_headers, 3, get)),
        (0x02, settings + ack + h2_frame(1, end_headers, 1, post) + h2_frame(0, end_stream, 1, body)),
        (0x04, settings + h2_frame(1, end_headers, 1, post) + h2_frame(0, 0, 1, body[:10])
         + h2_frame(8, 0, 1, struct.pack(">I", 1000)) + h2_frame(0, end_stream, 1, body[10:])),
        (0x06, settings + h2_frame(1, end_headers, 1, post) + pings),  # a body that never comes
        (0x00, settings + h2_frame(1, end_stream | end_headers, 1, get) + h2_frame(3, 0, 1, struct.pack(">I", 8))
         + h2_frame(1, end_stream | end_headers, 3, get) + h2_frame(7, 0, 0, struct.pack(">II", 3, 0))),
        (0x02, settings + h2_frame(8, 0, 0, struct.pack(">I", 1 << 20)) + h2_frame(2, 0, 1, struct.pack(">IB", 0, 16))
         + h2_frame(1, end_stream | end_headers, 1, get)),
        (0x00, settings + h2_frame(1, end_stream, 1, get[:3]) + h2_frame(9, end_headers, 1, get[3:])),
    ]]


def main():
    session = botocore.session.get_session()
    sqs = session.get_service_model("sqs")
    if sqs.protocol != "query":
        sys.exit(f"botocore {botocore.__version__} serializes SQS as {sqs.protocol}; run with /usr/bin/python3")
    query = botocore.serialize.create_serializer("query")

    query_bodies = []
    for op, params in SQS_CALLS:
        req = query.serialize_to_request(params, sqs.operation_model(op))
        body = urlencode(req["body"]) if isinstance(req["body"], dict) else req["body"]
        query_bodies.append((op, body))
        write("query_decode", body)
    for body in EXTRA_QUERY:
        write("query_decode", body)

    json_bodies = []
    for op, params in SQS_CALLS + EXTRA_SQS_CALLS:
        body = json_body(params)
        json_bodies.append((f"AmazonSQS.{op}", body))
        write("json_decode", f"AmazonSQS.{op}\n{body}")
    for op, params in KINESIS_CALLS:
        write("json_decode", f"Kinesis_20131202.{op}\n{json_body(params)}")

    for op, params in KINESIS_CALLS:
        write("cbor", f"Kinesis_20131202.{op}\n".encode() + jackson_cbor(params))
        write("cbor", f"Kinesis_20131202.{op}\n".encode() + rfc_cbor(params))
    for op, params in SQS_CALLS[:8]:
        write("cbor", f"AmazonSQS.{op}\n".encode() + rfc_cbor(params))
    # Java SDK v2's PutRecord exactly as captured, chunked strings, and a few hostile shapes.
    write("cbor", b"Kinesis_20131202.PutRecord\n\xbfjStreamNamedtestdDataMhello, world!lPartitionKeylpartitionkey\xff")
    write("cbor", b"Kinesis_20131202.PutRecord\n\xa3jStreamName\x7fbcldicks\xffdData\x5fA\x00B\x01\x02\xff"
                  b"lPartitionKeyaK")
    write("cbor", b"Kinesis_20131202.ListStreams\n\xa1gUnknown" + b"\x81" * 70 + b"\x00")
    write("cbor", b"Kinesis_20131202.PutRecords\n\xa1gRecords\x9b\xff\xff\xff\xff\xff\xff\xff\xff")

    # Whole requests as boto3 puts them on the wire (signed, so the dispatcher
    # also parses a real Authorization header in open mode).
    host = "localhost:4566"
    ua = "Boto3/1.26.27 Python/3.11.2 Linux/6.1.0 Botocore/1.29.27"
    chosen_query = [b for b in query_bodies if b[0] in ("CreateQueue", "SendMessage", "ReceiveMessage",
                                                          "DeleteMessageBatch", "GetQueueAttributes")]
    chosen_json = [b for b in json_bodies if b[0].split(".")[1] in ("SendMessageBatch", "ReceiveMessage",
                                                                   "TagQueue", "CancelMessageMoveTask")]
    requests = []
    for op, body in chosen_query:
        signed = sign("POST", f"http://{host}/", host,
                      {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body)
        head, _, _ = signed.partition(b"\n\n")
        headers = [tuple(line.split(":", 1)) for line in head.decode().split("\n")[1:]]
        headers += [("User-Agent", ua), ("Accept-Encoding", "identity"), ("Content-Length", str(len(body)))]
        requests.append(http_request("POST", "/", headers, body))
    for target, body in chosen_json:
        headers = [("Host", host), ("X-Amz-Target", target), ("Content-Type", "application/x-amz-json-1.0"),
                   ("User-Agent", ua), ("Content-Length", str(len(body)))]
        requests.append(http_request("POST", "/", headers, body))
    requests += [
        http_request("GET", "/health", [("Host", host)]),
        http_request("GET", "/?Action=ListQueues&Version=2012-11-05&QueueNamePrefix=o", [("Host", host)]),
        http_request("POST", "/123456789012/orders", [("Host", host), ("Content-Type", "application/x-www-form-urlencoded"),
                                                       ("Transfer-Encoding", "chunked")],
                     "12\r\nAction=SendMessage&\r\nd\r\nMessageBody=x\r\n0\r\n\r\n"),
        http_request("POST", "/", [("Host", host), ("Expect", "100-continue"),
                                   ("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", "19")],
                     "Action=ListQueues&x"),
        b"GET /health HTTP/1.0\r\n\r\n",
        http_request("GET", "/health", [("Host", host)]) + http_request(
            "POST", "/", [("Host", host), ("Connection", "close"), ("Content-Length", "17")], "Action=ListQueues"),
    ]
    for r in requests:
        write("http_parse", r)
        write("dispatch", r)
    # A chunk-size byte in front: the same request read a few bytes at a time.
    write("http_parse", b"\x07" + requests[0])
    write("dispatch", b"\x03" + requests[-1])
    # Kinesis over AWS CBOR 1.1, as the Java SDKs send it, and one call over JSON 1.1.
    for op, params in KINESIS_CALLS[1:4]:
        body = jackson_cbor(params)
        write("dispatch", http_request("POST", "/", [
            ("Host", host), ("X-Amz-Target", f"Kinesis_20131202.{op}"),
            ("Content-Type", "application/x-amz-cbor-1.1"), ("Content-Length", str(len(body)))], body))
    body = json_body(KINESIS_CALLS[1][1])
    write("dispatch", http_request("POST", "/", [
        ("Host", host), ("X-Amz-Target", "Kinesis_20131202.PutRecord"),
        ("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))], body))

    # SigV4: boto3-style signed SQS requests and a handful of the AWS suite's vectors.
    for op, body in chosen_query[:3]:
        write("sigv4", sign("POST", "https://sqs.us-east-1.amazonaws.com/", "sqs.us-east-1.amazonaws.com",
                            {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body))
    write("sigv4", sign("GET", "https://sqs.us-east-1.amazonaws.com/?Action=ListQueues&Version=2012-11-05",
                        "sqs.us-east-1.amazonaws.com", {}, b"", presign=True))
    write("sigv4", sign("POST", "https://sqs.us-east-1.amazonaws.com/", "sqs.us-east-1.amazonaws.com",
                        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues"}, "{}"))
    if CONFORMANCE.is_dir():
        for case in ("get-vanilla-query-order-key-case", "get-header-value-multiline", "get-slash-dot-slash-unnormalized",
                     "post-x-www-form-urlencoded", "get-vanilla-with-session-token", "get-utf8", "post-sts-header-after"):
            for form in ("header", "query"):
                src = CONFORMANCE / case / f"{form}-signed-request.txt"
                if src.exists():
                    write("sigv4", src.read_bytes())
    else:
        print(f"note: {CONFORMANCE} not found; AWS suite vectors not copied", file=sys.stderr)

    # HTTP/2 after the preface: a mode byte (see h2_session.cc), then frames.
    for seed in h2_seeds():
        write("h2_session", seed)

    for h in (HANDLE, receipt_handle(1, 1, 1), receipt_handle(2**64 - 1, 2**63, 2**32 - 1),
              receipt_handle(7, 42, 1, secret=b"some-other-store-secret"), "AQAAAAAAAAAH", "not a handle"):
        write("receipt_handle", h)


if __name__ == "__main__":
    main()
