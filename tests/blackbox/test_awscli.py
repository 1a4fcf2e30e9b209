"""The main SQS flow driven by the aws CLI v2 (Query protocol) against a real server."""

import json
import subprocess

from conftest import AWS_CLI, AWS_CLI_MISSING, aws_cli, md5_hex, unique_name

pytestmark = AWS_CLI_MISSING


def aws(server, *args, expect_ok=True):
    return aws_cli(server.endpoint, "sqs", *args, expect_ok=expect_ok)


def test_cli_version_speaks_query():
    """The CLI under test is v2.9 (which sends SQS as Query), not a newer JSON-speaking one."""
    r = subprocess.run([AWS_CLI, "--version"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0
    assert r.stdout.startswith("aws-cli/2."), r.stdout


def test_cli_main_flow(server):
    """create-queue, send-message, get-queue-attributes, receive-message and delete-message work."""
    name = unique_name("cli")
    url = aws(server, "create-queue", "--queue-name", name, "--attributes", "VisibilityTimeout=60")["QueueUrl"]
    assert url == f"{server.endpoint}/000000000000/{name}"
    assert aws(server, "get-queue-url", "--queue-name", name)["QueueUrl"] == url
    assert url in aws(server, "list-queues", "--queue-name-prefix", name)["QueueUrls"]

    body = "from the cli: ünïcödé <&>"
    sent = aws(
        server,
        "send-message",
        "--queue-url",
        url,
        "--message-body",
        body,
        "--message-attributes",
        json.dumps({"kind": {"DataType": "String", "StringValue": "cli"}}),
    )
    assert sent["MD5OfMessageBody"] == md5_hex(body)
    assert "MD5OfMessageAttributes" in sent

    attrs = aws(server, "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "1"
    assert attrs["VisibilityTimeout"] == "60"

    got = aws(
        server,
        "receive-message",
        "--queue-url",
        url,
        "--message-attribute-names",
        "All",
        "--attribute-names",
        "All",
    )["Messages"]
    assert len(got) == 1
    m = got[0]
    assert m["Body"] == body
    assert m["MessageId"] == sent["MessageId"]
    assert m["MessageAttributes"]["kind"]["StringValue"] == "cli"
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"

    attrs = aws(
        server,
        "get-queue-attributes",
        "--queue-url",
        url,
        "--attribute-names",
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
    )["Attributes"]
    assert attrs == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "1"}

    aws(server, "delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"])
    attrs = aws(server, "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert aws(server, "receive-message", "--queue-url", url) == {}

    aws(server, "delete-queue", "--queue-url", url)
    r = aws(server, "get-queue-url", "--queue-name", name, expect_ok=False)
    assert r.returncode != 0
    assert "AWS.SimpleQueueService.NonExistentQueue" in r.stderr


def test_cli_error_is_reported(server):
    """A server error reaches the CLI user with its code and message."""
    url = aws(server, "create-queue", "--queue-name", unique_name("cli-err"))["QueueUrl"]
    r = aws(server, "receive-message", "--queue-url", url, "--max-number-of-messages", "11", expect_ok=False)
    assert r.returncode != 0
    assert "InvalidParameterValue" in r.stderr
    assert "Value 11 for parameter MaxNumberOfMessages is invalid." in r.stderr
