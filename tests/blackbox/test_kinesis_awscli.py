"""The main Kinesis flow driven by `aws kinesis` (CLI v2, AWS JSON 1.1) and how its errors reach the user."""

import base64

from conftest import AWS_CLI_MISSING, aws_cli, not_found_message, unique_name, wait_for_stream

pytestmark = AWS_CLI_MISSING


def aws(server, *args, expect_ok=True):
    return aws_cli(server.endpoint, "kinesis", *args, expect_ok=expect_ok)


def test_cli_main_flow(server, kinesis):
    """create-stream, describe-stream-summary, list-streams, put-record, get-shard-iterator and
    get-records work from the command line."""
    name = unique_name("cli")
    assert aws(server, "create-stream", "--stream-name", name, "--shard-count", "1") == {}
    try:
        wait_for_stream(kinesis, name)
        summary = aws(server, "describe-stream-summary", "--stream-name", name)["StreamDescriptionSummary"]
        assert summary["StreamName"] == name
        assert summary["StreamStatus"] == "ACTIVE"
        assert summary["OpenShardCount"] == 1
        assert name in aws(server, "list-streams", "--exclusive-start-stream-name", name[:-1])["StreamNames"]

        put = aws(server, "put-record", "--stream-name", name, "--partition-key", "cli", "--data", "hello from cli",
                  "--cli-binary-format", "raw-in-base64-out")
        assert put["ShardId"] == "shardId-000000000000"
        it = aws(server, "get-shard-iterator", "--stream-name", name, "--shard-id", put["ShardId"],
                 "--shard-iterator-type", "AT_SEQUENCE_NUMBER", "--starting-sequence-number",
                 put["SequenceNumber"])["ShardIterator"]
        got = aws(server, "get-records", "--shard-iterator", it)
        assert len(got["Records"]) == 1
        record = got["Records"][0]
        assert base64.b64decode(record["Data"]) == b"hello from cli"
        assert record["PartitionKey"] == "cli"
        assert record["SequenceNumber"] == put["SequenceNumber"]
        assert got["NextShardIterator"]
    finally:
        kinesis.delete_stream(StreamName=name)


def test_cli_error_reaches_the_user(server):
    """A missing stream makes the CLI exit non-zero with AWS's code and message on stderr."""
    name = unique_name("absent")
    r = aws(server, "describe-stream-summary", "--stream-name", name, expect_ok=False)
    assert r.returncode == 254, r
    assert "An error occurred (ResourceNotFoundException) when calling the DescribeStreamSummary operation" in r.stderr
    assert r.stderr.rstrip().endswith(": " + not_found_message(name)), r.stderr
