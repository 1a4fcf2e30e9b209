"""The Query protocol as raw HTTP: routing, protocol errors, malformed input, Host-based queue URLs."""

import xml.etree.ElementTree as ET

import pytest

from conftest import DEFAULT_ACCOUNT, make_sqs_client, parse_query_error, unique_name

NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"


def query(server, action=None, version="2012-11-05", headers=None, path="/", **params):
    form = {}
    if action is not None:
        form["Action"] = action
    if version is not None:
        form["Version"] = version
    form.update(params)
    return server.raw_query(form, headers=headers, path=path)


def assert_query_error(result, status, code, message=None, message_contains=None):
    st, headers, body = result
    assert st == status, body
    assert headers.get("content-type", "").startswith("text/xml"), headers
    assert headers.get("x-amzn-requestid"), headers
    typ, got_code, got_message = parse_query_error(body)
    assert got_code == code, body
    assert typ == "Sender", body
    if message is not None:
        assert got_message == message, body
    if message_contains is not None:
        assert message_contains in got_message, body
    root = ET.fromstring(body)
    assert root.find(f"{NS}RequestId").text == headers["x-amzn-requestid"]


def test_unknown_action(server):
    """An action SQS does not have is InvalidAction (HTTP 400)."""
    assert_query_error(
        query(server, "Bogus"), 400, "InvalidAction", message="The action Bogus is not valid for this endpoint."
    )


def test_missing_action(server):
    """A form without Action is MissingAction (HTTP 400)."""
    assert_query_error(
        query(server, None, QueueName="x"),
        400,
        "MissingAction",
        message="The request must contain the parameter Action.",
    )


def test_missing_required_parameter(server):
    """CreateQueue without QueueName is MissingParameter with AWS's text."""
    assert_query_error(
        query(server, "CreateQueue"),
        400,
        "MissingParameter",
        message="The request must contain the parameter QueueName.",
    )


def test_missing_queue_url(server):
    """A queue action without QueueUrl (posted to /) is MissingParameter."""
    assert_query_error(
        query(server, "SendMessage", MessageBody="x"),
        400,
        "MissingParameter",
        message="The request must contain the parameter QueueUrl.",
    )


def test_missing_message_body(server, queue):
    """SendMessage without MessageBody is MissingParameter with AWS's text."""
    assert_query_error(
        query(server, "SendMessage", QueueUrl=queue),
        400,
        "MissingParameter",
        message="The request must contain the parameter MessageBody.",
    )


@pytest.mark.parametrize(
    "action,param,value",
    [
        ("ReceiveMessage", "MaxNumberOfMessages", "abc"),
        ("ReceiveMessage", "WaitTimeSeconds", "1.5"),
        ("ReceiveMessage", "VisibilityTimeout", "ten"),
        ("SendMessage", "DelaySeconds", "soon"),
        ("ListQueues", "MaxResults", "many"),
    ],
)
def test_malformed_integer_parameter(server, queue, action, param, value):
    """A non-integer where the model says integer is InvalidParameterValue naming the parameter."""
    params = {param: value}
    if action != "ListQueues":
        params["QueueUrl"] = queue
    if action == "SendMessage":
        params["MessageBody"] = "x"
    assert_query_error(
        query(server, action, **params),
        400,
        "InvalidParameterValue",
        message_contains=f"for parameter {param} is invalid",
    )


def test_malformed_binary_attribute(server, queue):
    """A BinaryValue that is not base64 is InvalidParameterValue."""
    assert_query_error(
        query(
            server,
            "SendMessage",
            QueueUrl=queue,
            MessageBody="x",
            **{
                "MessageAttribute.1.Name": "b",
                "MessageAttribute.1.Value.DataType": "Binary",
                "MessageAttribute.1.Value.BinaryValue": "***not base64***",
            },
        ),
        400,
        "InvalidParameterValue",
    )


def test_get_request_with_query_string(server):
    """Query actions may also arrive as GET with the parameters in the URL."""
    conn = server.http()
    try:
        conn.request("GET", "/?Action=ListQueues&Version=2012-11-05")
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    assert r.status == 200, body
    assert ET.fromstring(body).tag == f"{NS}ListQueuesResponse"


def test_action_posted_to_queue_path(server, sqs, queue):
    """A Query request posted to the queue's path acts on that queue without a QueueUrl parameter."""
    path = "/" + queue.split("/", 3)[3]
    st, _, body = query(server, "SendMessage", path=path, MessageBody="via path")
    assert st == 200, body
    got = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert got[0]["Body"] == "via path"


def test_success_envelope(server):
    """A success is <ActionResponse><ActionResult>...<ResponseMetadata><RequestId> with the header id."""
    name = unique_name()
    st, headers, body = query(server, "CreateQueue", QueueName=name)
    assert st == 200
    assert headers["content-type"].startswith("text/xml")
    root = ET.fromstring(body)
    assert root.tag == f"{NS}CreateQueueResponse"
    url = root.find(f"{NS}CreateQueueResult/{NS}QueueUrl").text
    assert url.endswith(f"/{DEFAULT_ACCOUNT}/{name}")
    assert root.find(f"{NS}ResponseMetadata/{NS}RequestId").text == headers["x-amzn-requestid"]


# -- queue URLs follow the Host header ----------------------------------------------------------


def test_queue_url_uses_localhost_host_header(server):
    """A client configured with http://localhost:PORT gets queue URLs on localhost:PORT."""
    name = unique_name()
    via_ip = server.client()
    via_name = make_sqs_client(f"http://localhost:{server.port}")
    created = via_ip.create_queue(QueueName=name)["QueueUrl"]
    assert created == f"http://127.0.0.1:{server.port}/{DEFAULT_ACCOUNT}/{name}"
    expected = f"http://localhost:{server.port}/{DEFAULT_ACCOUNT}/{name}"
    assert via_name.get_queue_url(QueueName=name)["QueueUrl"] == expected
    assert via_name.create_queue(QueueName=name)["QueueUrl"] == expected
    assert expected in via_name.list_queues(QueueNamePrefix=name)["QueueUrls"]
    # The localhost URL addresses the same queue.
    via_name.send_message(QueueUrl=expected, MessageBody="same queue")
    assert via_ip.receive_message(QueueUrl=via_ip.get_queue_url(QueueName=name)["QueueUrl"])["Messages"]


def test_queue_url_uses_arbitrary_host_header(server):
    """Containers reach the server under other names: the URL echoes whatever Host was sent."""
    name = unique_name()
    st, _, body = query(server, "CreateQueue", QueueName=name, headers={"Host": "sqs.internal.example:9999"})
    assert st == 200
    url = ET.fromstring(body).find(f"{NS}CreateQueueResult/{NS}QueueUrl").text
    assert url == f"http://sqs.internal.example:9999/{DEFAULT_ACCOUNT}/{name}"
    st, _, body = query(server, "GetQueueUrl", QueueName=name, headers={"Host": "other-name:1234"})
    assert ET.fromstring(body).find(f"{NS}GetQueueUrlResult/{NS}QueueUrl").text == (
        f"http://other-name:1234/{DEFAULT_ACCOUNT}/{name}"
    )
    # A URL with a foreign host still resolves to the queue on this server.
    st, _, body = query(server, "SendMessage", QueueUrl=url, MessageBody="hi")
    assert st == 200, body


def test_queue_url_without_host_header(server):
    """An HTTP/1.0 request without Host still gets a usable URL: this server's address and real port."""
    import socket

    name = unique_name()
    body = f"Action=CreateQueue&Version=2012-11-05&QueueName={name}".encode()
    request = (
        b"POST / HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, payload = data.partition(b"\r\n\r\n")
    assert head.split()[1] == b"200", data
    url = ET.fromstring(payload).find(f"{NS}CreateQueueResult/{NS}QueueUrl").text
    assert url == f"http://127.0.0.1:{server.port}/{DEFAULT_ACCOUNT}/{name}"
