"""AWS JSON 1.0 (what current SDKs send for SQS) as raw HTTP, interoperating with Query clients."""

import base64
import json

from conftest import md5_hex, md5_of_message_attributes, unique_name

JSON_TYPE = "application/x-amz-json-1.0"


def call(server, operation, body, raw=None):
    conn = server.http()
    try:
        conn.request(
            "POST",
            "/",
            body=raw if raw is not None else json.dumps(body),
            headers={"Content-Type": JSON_TYPE, "X-Amz-Target": f"AmazonSQS.{operation}"},
        )
        r = conn.getresponse()
        data = r.read()
        headers = {k.lower(): v for k, v in r.getheaders()}
    finally:
        conn.close()
    assert headers.get("content-type") == JSON_TYPE, headers
    assert headers.get("x-amzn-requestid"), headers
    return r.status, headers, (json.loads(data) if data else {})


def test_json_round_trip(server):
    """CreateQueue, SendMessage and ReceiveMessage over JSON, with binary attributes as base64."""
    st, _, out = call(server, "CreateQueue", {"QueueName": unique_name("json")})
    assert st == 200
    url = out["QueueUrl"]
    attrs = {"b": {"DataType": "Binary", "BinaryValue": base64.b64encode(b"\x00\x01").decode()}}
    st, _, sent = call(server, "SendMessage", {"QueueUrl": url, "MessageBody": "json body", "MessageAttributes": attrs})
    assert st == 200
    assert sent["MD5OfMessageBody"] == md5_hex("json body")
    assert sent["MD5OfMessageAttributes"] == md5_of_message_attributes(
        {"b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}
    )
    st, _, got = call(
        server,
        "ReceiveMessage",
        {"QueueUrl": url, "MessageAttributeNames": ["All"], "MessageSystemAttributeNames": ["SentTimestamp"]},
    )
    assert st == 200
    m = got["Messages"][0]
    assert m["Body"] == "json body"
    assert m["MessageAttributes"] == attrs
    assert set(m["Attributes"]) == {"SentTimestamp"}


def test_json_and_query_clients_share_queues(server, sqs):
    """A message sent over Query (boto3) is received over JSON with identical digests, and back."""
    url = sqs.create_queue(QueueName=unique_name("mixed"))["QueueUrl"]
    attrs = {"s": {"DataType": "String.custom", "StringValue": "ü"}, "n": {"DataType": "Number", "StringValue": "1.5"}}
    sent = sqs.send_message(QueueUrl=url, MessageBody="from query", MessageAttributes=attrs)
    st, _, got = call(server, "ReceiveMessage", {"QueueUrl": url, "MessageAttributeNames": ["All"]})
    assert st == 200
    m = got["Messages"][0]
    assert m["MessageId"] == sent["MessageId"]
    assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert m["MessageAttributes"] == attrs
    st, _, _ = call(server, "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": m["ReceiptHandle"]})
    assert st == 200
    call(server, "SendMessage", {"QueueUrl": url, "MessageBody": "from json"})
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "from json"


def test_json_modelled_error(server):
    """A modelled error has the model's __type and the legacy code in x-amzn-query-error."""
    st, headers, out = call(server, "GetQueueUrl", {"QueueName": unique_name("absent")})
    assert st == 400
    assert out["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"
    assert out["message"].startswith("The specified queue does not exist")
    assert headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"


def test_json_validation_errors(server, sqs, queue):
    """Parameter errors carry the legacy Query code in x-amzn-query-error and AWS's message."""
    st, headers, out = call(server, "ReceiveMessage", {"QueueUrl": queue, "MaxNumberOfMessages": 11})
    assert st == 400
    assert headers["x-amzn-query-error"] == "InvalidParameterValue;Sender"
    assert out["message"] == (
        "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."
    )
    st, headers, out = call(server, "CreateQueue", {})
    assert st == 400
    assert headers["x-amzn-query-error"] == "MissingParameter;Sender"
    assert out["message"] == "The request must contain the parameter QueueName."


def test_json_unknown_operation_and_bad_body(server):
    """An unknown target and a body that is not JSON are rejected with JSON errors."""
    st, headers, out = call(server, "Bogus", {})
    assert st == 400
    assert out["__type"].endswith("UnknownOperationException")
    st, headers, out = call(server, "CreateQueue", None, raw="{not json")
    assert st == 400
    assert out["__type"].endswith("SerializationException")
