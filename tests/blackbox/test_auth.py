"""Authentication: strict SigV4 checking with a credentials file, and open mode's leniency."""

import json
import os
import subprocess

import pytest

from conftest import (AWS_CLI, REGION, Sluice, assert_error, client_error, parse_query_error, signed_post,
                      unique_name)

ACCESS_KEY = "AKIDTEST"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSLUICEKEY"
ACCOUNT = "123456789012"
OTHER_KEY = "AKIDOTHER"
OTHER_SECRET = "other-secret"
OTHER_ACCOUNT = "210987654321"


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    """A server that checks signatures against a two-key credentials file."""
    base = tmp_path_factory.mktemp("strict")
    creds = base / "credentials"
    creds.write_text(
        "# access key, secret, account\n"
        f"{ACCESS_KEY} {SECRET} {ACCOUNT}\n"
        f"{OTHER_KEY}\t{OTHER_SECRET}\t{OTHER_ACCOUNT}\n"
    )
    s = Sluice(base / "data", "--credentials", str(creds), log_dir=base).start()
    yield s
    rc = s.stop()
    assert rc == 0, f"strict sluice exited with {rc} on SIGTERM:\n{s.logs()}"


def cli(server, *args, access_key, secret):
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID=access_key,
        AWS_SECRET_ACCESS_KEY=secret,
        AWS_DEFAULT_REGION=REGION,
        AWS_PAGER="",
        AWS_MAX_ATTEMPTS="1",
        AWS_RETRY_MODE="standard",
    )
    return subprocess.run(
        [AWS_CLI, "--endpoint-url", server.endpoint, "--output", "json", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


# -- strict mode --------------------------------------------------------------------------------


def test_strict_right_secret_works(strict):
    """A correctly signed boto3 client works and its queues live in the key's account."""
    c = strict.client(access_key=ACCESS_KEY, secret=SECRET)
    name = unique_name()
    url = c.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"{strict.endpoint}/{ACCOUNT}/{name}"
    arn = c.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
    c.send_message(QueueUrl=url, MessageBody="signed")
    assert c.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "signed"


def test_strict_accounts_are_separate(strict):
    """Each key acts for its own account: another account's queues are neither listed nor reachable."""
    a = strict.client(access_key=ACCESS_KEY, secret=SECRET)
    b = strict.client(access_key=OTHER_KEY, secret=OTHER_SECRET)
    name = unique_name("shared-name")
    url_a = a.create_queue(QueueName=name)["QueueUrl"]
    url_b = b.create_queue(QueueName=name)["QueueUrl"]
    assert f"/{ACCOUNT}/" in url_a and f"/{OTHER_ACCOUNT}/" in url_b
    assert url_a not in b.list_queues(QueueNamePrefix=name).get("QueueUrls", [])
    assert_error(
        client_error(b.send_message, QueueUrl=url_a, MessageBody="intruder"),
        "AccessDenied",
        403,
        message=f"Access to the resource {url_a} is denied.",
    )
    assert "Messages" not in a.receive_message(QueueUrl=url_a)


def test_strict_wrong_secret(strict):
    """A signature made with the wrong secret is SignatureDoesNotMatch (HTTP 403)."""
    c = strict.client(access_key=ACCESS_KEY, secret="not-the-secret")
    resp = client_error(c.list_queues)
    assert_error(resp, "SignatureDoesNotMatch", 403)
    assert resp["Error"]["Message"].startswith(
        "The request signature we calculated does not match the signature you provided."
    )


def test_strict_unknown_key(strict):
    """An access key not in the credentials file is InvalidClientTokenId (HTTP 403)."""
    c = strict.client(access_key="AKIDUNKNOWN", secret=SECRET)
    assert_error(
        client_error(c.list_queues),
        "InvalidClientTokenId",
        403,
        message="The security token included in the request is invalid.",
    )


def test_strict_unsigned_request(strict):
    """An unsigned request is MissingAuthenticationToken (HTTP 403)."""
    st, headers, body = strict.raw_query({"Action": "ListQueues", "Version": "2012-11-05"})
    assert st == 403, body
    typ, code, message = parse_query_error(body)
    assert code == "MissingAuthenticationToken"
    assert typ == "Sender"
    assert message == "Request is missing Authentication Token"


def test_strict_tampered_body(strict):
    """Changing the body after signing breaks the signature."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials

    body = f"Action=CreateQueue&Version=2012-11-05&QueueName={unique_name()}"
    req = botocore.awsrequest.AWSRequest(
        method="POST",
        url=strict.endpoint + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET), "sqs", REGION).add_auth(req)
    headers = dict(req.headers.items())
    ok = strict.raw_query(body, headers=headers)
    assert ok[0] == 200, ok[2]
    tampered = body.replace("QueueName=", "QueueName=x")
    st, _, resp = strict.raw_query(tampered, headers=headers)
    assert st == 403, resp
    assert parse_query_error(resp)[1] == "SignatureDoesNotMatch"


def test_strict_signature_scoped_to_another_service(strict):
    """A good signature scoped to one service is refused by another, as AWS's endpoints do."""
    def signed(service, target, body, content_type):
        return signed_post(strict.endpoint, service, target, body, content_type,
                           access_key=ACCESS_KEY, secret=SECRET)

    kinesis = ("Kinesis_20131202.ListStreams", "{}", "application/x-amz-json-1.1")
    st, _, _ = signed("kinesis", *kinesis)
    assert st == 200
    st, headers, resp = signed("sqs", *kinesis)
    assert st == 403, resp
    assert headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert json.loads(resp)["message"] == "Credential should be scoped to correct service: 'kinesis'. "

    query = (None, "Action=ListQueues&Version=2012-11-05", "application/x-www-form-urlencoded; charset=utf-8")
    assert signed("sqs", *query)[0] == 200
    st, _, resp = signed("kinesis", *query)
    assert st == 403, resp
    assert parse_query_error(resp)[1:] == ("SignatureDoesNotMatch",
                                           "Credential should be scoped to correct service: 'sqs'. ")


def test_strict_health_needs_no_signature(strict):
    """/health answers without credentials and reports strict mode."""
    assert strict.health()["auth"] == "strict"


def test_strict_aws_cli(strict):
    """The aws CLI fails with the wrong secret and works with the right one."""
    bad = cli(strict, "sqs", "list-queues", access_key=ACCESS_KEY, secret="wrong-secret")
    assert bad.returncode != 0
    assert "SignatureDoesNotMatch" in bad.stderr
    name = unique_name()
    good = cli(strict, "sqs", "create-queue", "--queue-name", name, access_key=ACCESS_KEY, secret=SECRET)
    assert good.returncode == 0, good.stderr
    assert f"/{ACCOUNT}/{name}" in good.stdout


def _signed_query(server, body, when_offset_minutes):
    """Headers of a request signed with the right key but a clock off by the given minutes."""
    import datetime
    from unittest import mock

    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials

    real = datetime.datetime

    class Shifted(real):
        @classmethod
        def utcnow(cls):
            return real.utcnow() + datetime.timedelta(minutes=when_offset_minutes)

    req = botocore.awsrequest.AWSRequest(
        method="POST",
        url=server.endpoint + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    with mock.patch.object(botocore.auth.datetime, "datetime", Shifted):
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET), "sqs", REGION).add_auth(req)
    return dict(req.headers.items())


@pytest.mark.parametrize("minutes,text", [(-20, "Signature expired:"), (20, "Signature not yet current:")])
def test_strict_clock_skew_rejected(strict, minutes, text):
    """A signature dated more than 15 minutes away from the server clock is refused with 403."""
    body = "Action=ListQueues&Version=2012-11-05"
    st, _, resp = strict.raw_query(body, headers=_signed_query(strict, body, minutes))
    assert st == 403, resp
    assert parse_query_error(resp)[2].startswith(text), resp
    # Within the window the same signing works.
    st, _, resp = strict.raw_query(body, headers=_signed_query(strict, body, -5))
    assert st == 200, resp


def test_strict_clock_skew_code(strict):
    """A skewed signature is RequestTimeTooSkewed (403) with AWS's 'Signature expired: ...' text;
    SDKs treat this code, like AWS SQS's SignatureDoesNotMatch, as a clock-skew error."""
    body = "Action=ListQueues&Version=2012-11-05"
    st, _, resp = strict.raw_query(body, headers=_signed_query(strict, body, -20))
    typ, code, message = parse_query_error(resp)
    assert (st, typ, code) == (403, "Sender", "RequestTimeTooSkewed"), resp
    assert "is now earlier than" in message and message.endswith(" - 15 min.)"), resp


def test_strict_presigned_url(strict):
    """A SigV4 presigned GET URL made by boto3 is accepted; altering it breaks the signature."""
    import urllib.error
    import urllib.request

    c = strict.client(access_key=ACCESS_KEY, secret=SECRET)
    url = c.create_queue(QueueName=unique_name("presigned"))["QueueUrl"]
    signed = c.generate_presigned_url(
        "send_message", Params={"QueueUrl": url, "MessageBody": "via presigned url"}, ExpiresIn=300, HttpMethod="GET"
    )
    with urllib.request.urlopen(signed, timeout=10) as r:
        assert r.status == 200
    assert c.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "via presigned url"
    tampered = signed.replace("via%20presigned%20url", "changed%20body")
    assert tampered != signed
    with pytest.raises(urllib.error.HTTPError) as ei:
        urllib.request.urlopen(tampered, timeout=10)
    assert ei.value.code == 403
    assert parse_query_error(ei.value.read())[1] == "SignatureDoesNotMatch"


# -- open mode ----------------------------------------------------------------------------------


def test_open_mode_accepts_any_key(server):
    """Open mode accepts any access key and secret."""
    for key, secret in [("AKIDANY", "whatever"), ("x", "y")]:
        c = server.client(access_key=key, secret=secret)
        assert c.create_queue(QueueName=unique_name())["QueueUrl"]


def test_open_mode_accepts_unsigned(server):
    """Open mode accepts unsigned Query requests."""
    st, _, body = server.raw_query({"Action": "CreateQueue", "Version": "2012-11-05", "QueueName": unique_name()})
    assert st == 200, body


@pytest.mark.parametrize(
    "authorization",
    [
        "garbage",
        "AWS4-HMAC-SHA256 Credential=AKID/20200101/us-east-1/sqs/aws4_request",
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc",
    ],
    ids=["not-sigv4", "no-signature", "no-credential"],
)
def test_open_mode_malformed_authorization(server, authorization):
    """A malformed Authorization header is IncompleteSignature (HTTP 400) even in open mode."""
    st, _, body = server.raw_query(
        {"Action": "ListQueues", "Version": "2012-11-05"}, headers={"Authorization": authorization}
    )
    typ, code, _ = parse_query_error(body)
    assert code == "IncompleteSignature", body
    assert typ == "Sender"
    assert st == 400, body


@pytest.mark.parametrize(
    "authorization",
    [
        "garbage",
        "AWS4-HMAC-SHA256 Credential=AKID/20200101/us-east-1/sqs/aws4_request",
    ],
    ids=["not-sigv4", "no-signature"],
)
def test_open_mode_malformed_authorization_code(server, authorization):
    """A malformed Authorization header is rejected with IncompleteSignature, never accepted."""
    st, _, body = server.raw_query(
        {"Action": "ListQueues", "Version": "2012-11-05"}, headers={"Authorization": authorization}
    )
    assert st in (400, 403), body
    assert parse_query_error(body)[1] == "IncompleteSignature", body
