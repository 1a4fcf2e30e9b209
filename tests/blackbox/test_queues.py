"""CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, Get/SetQueueAttributes and their errors."""

import time

import pytest

from conftest import DEFAULT_ACCOUNT, REGION, counts, expect_error, unique_name

NAME_RULE = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"

# (attribute, minimum, maximum) of the integer attributes, from the SQS quotas.
INT_RANGES = [
    ("VisibilityTimeout", 0, 43200),
    ("DelaySeconds", 0, 900),
    ("MaximumMessageSize", 1024, 1048576),
    ("MessageRetentionPeriod", 60, 1209600),
    ("ReceiveMessageWaitTimeSeconds", 0, 20),
]

ALL_STANDARD_ATTRIBUTES = {
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "VisibilityTimeout",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "SqsManagedSseEnabled",
}


# -- CreateQueue --------------------------------------------------------------------------------


def test_create_queue_returns_url_from_request_host_and_account(server, sqs):
    """A new queue's URL is http://<Host header>/<account>/<name>."""
    name = unique_name()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"http://127.0.0.1:{server.port}/{DEFAULT_ACCOUNT}/{name}"


def test_create_queue_with_attributes_and_tags(sqs):
    """Attributes given at creation are what GetQueueAttributes reports; tags are accepted."""
    name = unique_name()
    attrs = {
        "DelaySeconds": "5",
        "MaximumMessageSize": "2048",
        "MessageRetentionPeriod": "120",
        "ReceiveMessageWaitTimeSeconds": "2",
        "VisibilityTimeout": "45",
    }
    url = sqs.create_queue(QueueName=name, Attributes=attrs, tags={"team": "blue", "env": "test"})["QueueUrl"]
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    for k, v in attrs.items():
        assert got[k] == v, k


def test_create_queue_is_idempotent_with_same_attributes(sqs):
    """Creating an existing queue with the same attributes (or none) returns the same URL."""
    name = unique_name()
    attrs = {"DelaySeconds": "3", "VisibilityTimeout": "60"}
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    assert sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"] == url
    assert sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "3"})["QueueUrl"] == url
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url
    # A value equal to the default matches a queue created without it.
    assert sqs.create_queue(QueueName=name, Attributes={"MaximumMessageSize": "1048576"})["QueueUrl"] == url


def test_create_queue_with_different_attribute_is_queue_already_exists(sqs):
    """An existing name with a different attribute value is QueueAlreadyExists (HTTP 400)."""
    name = unique_name()
    sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "0"})
    expect_error(
        "QueueAlreadyExists",
        400,
        sqs.create_queue,
        QueueName=name,
        Attributes={"DelaySeconds": "5"},
        message="A queue already exists with the same name and a different value for attribute DelaySeconds",
    )


@pytest.mark.parametrize(
    "name",
    [
        "a" * 81,
        "has space",
        "dot.ted",
        "slash/name",
        "colon:name",
        "ünïcode",
        "star*",
    ],
    ids=["too-long", "space", "dot", "slash", "colon", "non-ascii", "star"],
)
def test_create_queue_invalid_name(sqs, name):
    """Names outside [A-Za-z0-9_-]{1,80} are InvalidParameterValue with AWS's text."""
    expect_error("InvalidParameterValue", 400, sqs.create_queue, QueueName=name, message=NAME_RULE)


def test_create_queue_name_limits_accepted(sqs):
    """80 characters of letters, digits, '-' and '_' is a valid name."""
    name = (unique_name("Az09_-") + "x" * 80)[:80]
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url.endswith("/" + name)


def test_create_queue_empty_name_is_missing_parameter(sqs):
    """An empty QueueName counts as missing."""
    expect_error(
        "MissingParameter",
        400,
        sqs.create_queue,
        QueueName="",
        message="The request must contain the parameter QueueName.",
    )


@pytest.mark.parametrize("attribute,minimum,maximum", INT_RANGES)
def test_create_queue_invalid_attribute_value(sqs, attribute, minimum, maximum):
    """An out-of-range integer attribute at creation is InvalidAttributeValue and creates nothing."""
    name = unique_name()
    expect_error(
        "InvalidAttributeValue",
        400,
        sqs.create_queue,
        QueueName=name,
        Attributes={attribute: str(maximum + 1)},
        message=f"Invalid value for the parameter {attribute}.",
    )
    expect_error("AWS.SimpleQueueService.NonExistentQueue", 400, sqs.get_queue_url, QueueName=name)


def test_create_queue_non_integer_attribute_value(sqs):
    """A non-numeric integer attribute is InvalidAttributeValue."""
    expect_error(
        "InvalidAttributeValue",
        400,
        sqs.create_queue,
        QueueName=unique_name(),
        Attributes={"VisibilityTimeout": "soon"},
        message="Invalid value for the parameter VisibilityTimeout.",
    )


def test_create_queue_unknown_attribute(sqs):
    """An attribute name SQS does not know is InvalidAttributeName."""
    expect_error(
        "InvalidAttributeName",
        400,
        sqs.create_queue,
        QueueName=unique_name(),
        Attributes={"Colour": "blue"},
        message="Unknown Attribute Colour.",
    )


# -- GetQueueUrl --------------------------------------------------------------------------------


def test_get_queue_url(sqs, queue):
    """GetQueueUrl returns the URL CreateQueue returned."""
    name = queue.rsplit("/", 1)[1]
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == queue


def test_get_queue_url_with_owner_account(sqs, queue):
    """QueueOwnerAWSAccountId naming the caller's own account finds the queue."""
    name = queue.rsplit("/", 1)[1]
    assert sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=DEFAULT_ACCOUNT)["QueueUrl"] == queue


def test_get_queue_url_nonexistent(sqs):
    """An unknown queue name is AWS.SimpleQueueService.NonExistentQueue (HTTP 400)."""
    resp = expect_error(
        "AWS.SimpleQueueService.NonExistentQueue", 400, sqs.get_queue_url, QueueName=unique_name("missing")
    )
    assert resp["Error"]["Message"].startswith("The specified queue does not exist")
    assert resp["Error"]["Type"] == "Sender"


def test_get_queue_url_is_case_sensitive(sqs):
    """Queue names are case-sensitive."""
    name = unique_name("CaseQ")
    sqs.create_queue(QueueName=name)
    expect_error("AWS.SimpleQueueService.NonExistentQueue", 400, sqs.get_queue_url, QueueName=name.lower())


# -- ListQueues ---------------------------------------------------------------------------------


def test_list_queues_prefix(sqs):
    """QueueNamePrefix selects exactly the queues whose names start with it."""
    prefix = unique_name("lp")
    mine = {sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(3)}
    sqs.create_queue(QueueName=f"x{prefix}")
    got = sqs.list_queues(QueueNamePrefix=prefix)
    assert set(got["QueueUrls"]) == mine
    assert "NextToken" not in got
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=unique_name("nothing-here"))


def test_list_queues_paging(sqs):
    """MaxResults=3 over 7 queues gives pages of 3, 3 and 1 linked by NextToken, covering all."""
    prefix = unique_name("page")
    urls = {sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(7)}
    pages = []
    token = None
    for _ in range(10):
        kwargs = {"QueueNamePrefix": prefix, "MaxResults": 3}
        if token:
            kwargs["NextToken"] = token
        r = sqs.list_queues(**kwargs)
        pages.append(r.get("QueueUrls", []))
        token = r.get("NextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [3, 3, 1]
    seen = [u for p in pages for u in p]
    assert len(seen) == len(set(seen))
    assert set(seen) == urls


def test_list_queues_paginator(sqs):
    """boto3's ListQueues paginator walks every page."""
    prefix = unique_name("pgn")
    urls = {sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(5)}
    got = []
    for page in sqs.get_paginator("list_queues").paginate(
        QueueNamePrefix=prefix, PaginationConfig={"PageSize": 2}
    ):
        got.extend(page.get("QueueUrls", []))
    assert sorted(got) == sorted(urls)


@pytest.mark.parametrize("value", [0, 1001])
def test_list_queues_invalid_max_results(sqs, value):
    """MaxResults outside 1..1000 is InvalidParameterValue."""
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.list_queues,
        MaxResults=value,
        message=f"Value {value} for parameter MaxResults is invalid. Reason: MaxResults must be an integer "
        "between 1 and 1000.",
    )


# -- DeleteQueue --------------------------------------------------------------------------------


def test_delete_queue(sqs):
    """A deleted queue is gone: lookups, sends and a second delete are NonExistentQueue."""
    name = unique_name()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="doomed")
    sqs.delete_queue(QueueUrl=url)
    expect_error("AWS.SimpleQueueService.NonExistentQueue", 400, sqs.get_queue_url, QueueName=name)
    expect_error("AWS.SimpleQueueService.NonExistentQueue", 400, sqs.send_message, QueueUrl=url, MessageBody="x")
    expect_error("AWS.SimpleQueueService.NonExistentQueue", 400, sqs.receive_message, QueueUrl=url)
    expect_error("AWS.SimpleQueueService.NonExistentQueue", 400, sqs.delete_queue, QueueUrl=url)
    assert url not in sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", [])


def test_operations_on_nonexistent_queue_url(server, sqs):
    """Every queue-addressed action on an unknown URL is NonExistentQueue (HTTP 400)."""
    url = f"{server.endpoint}/{DEFAULT_ACCOUNT}/{unique_name('ghost')}"
    for call, kwargs in [
        (sqs.get_queue_attributes, {"AttributeNames": ["All"]}),
        (sqs.set_queue_attributes, {"Attributes": {"DelaySeconds": "1"}}),
        (sqs.send_message, {"MessageBody": "x"}),
        (sqs.receive_message, {}),
        (sqs.delete_message, {"ReceiptHandle": "x"}),
        (sqs.change_message_visibility, {"ReceiptHandle": "x", "VisibilityTimeout": 1}),
        (sqs.delete_queue, {}),
    ]:
        expect_error("AWS.SimpleQueueService.NonExistentQueue", 400, call, QueueUrl=url, **kwargs)


# -- GetQueueAttributes -------------------------------------------------------------------------


def test_get_queue_attributes_all_defaults(sqs):
    """All returns AWS's standard-queue attribute set with AWS's defaults, ARN and timestamps."""
    name = unique_name()
    before = int(time.time())
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    after = int(time.time())
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert set(attrs) == ALL_STANDARD_ATTRIBUTES
    assert attrs["QueueArn"] == f"arn:aws:sqs:{REGION}:{DEFAULT_ACCOUNT}:{name}"
    assert attrs["VisibilityTimeout"] == "30"
    assert attrs["MaximumMessageSize"] == "1048576"
    assert attrs["MessageRetentionPeriod"] == "345600"
    assert attrs["DelaySeconds"] == "0"
    assert attrs["ReceiveMessageWaitTimeSeconds"] == "0"
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert attrs["ApproximateNumberOfMessagesDelayed"] == "0"
    created = int(attrs["CreatedTimestamp"])  # epoch seconds
    assert before - 1 <= created <= after + 1
    assert created <= int(attrs["LastModifiedTimestamp"]) <= after + 1


def test_get_queue_attributes_individual_names(sqs, queue):
    """Only the attributes asked for are returned."""
    attrs = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["VisibilityTimeout", "QueueArn"])[
        "Attributes"
    ]
    assert set(attrs) == {"VisibilityTimeout", "QueueArn"}
    attrs = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert attrs == {"ApproximateNumberOfMessages": "0"}


def test_get_queue_attributes_without_names_returns_none(sqs, queue):
    """Without AttributeNames nothing is returned."""
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=queue)


def test_get_queue_attributes_unknown_name(sqs, queue):
    """An unknown attribute name is InvalidAttributeName."""
    expect_error(
        "InvalidAttributeName",
        400,
        sqs.get_queue_attributes,
        QueueUrl=queue,
        AttributeNames=["Flavour"],
        message="Unknown Attribute Flavour.",
    )


def test_computed_message_counts(sqs, queue):
    """Visible, in-flight and delayed messages are counted separately."""
    assert counts(sqs, queue) == (0, 0, 0)
    for i in range(3):
        sqs.send_message(QueueUrl=queue, MessageBody=f"visible-{i}")
    sqs.send_message(QueueUrl=queue, MessageBody="delayed-1", DelaySeconds=600)
    sqs.send_message(QueueUrl=queue, MessageBody="delayed-2", DelaySeconds=900)
    assert counts(sqs, queue) == (3, 0, 2)
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=2, VisibilityTimeout=600)["Messages"]
    assert len(got) == 2
    assert counts(sqs, queue) == (1, 2, 2)
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=got[0]["ReceiptHandle"])
    assert counts(sqs, queue) == (1, 1, 2)
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=got[1]["ReceiptHandle"], VisibilityTimeout=0)
    assert counts(sqs, queue) == (2, 0, 2)


# -- SetQueueAttributes -------------------------------------------------------------------------


def test_set_queue_attributes_visible_in_get(sqs, queue):
    """Updated attributes are reported by GetQueueAttributes; others keep their values."""
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "120", "DelaySeconds": "7"})
    attrs = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "120"
    assert attrs["DelaySeconds"] == "7"
    assert attrs["MaximumMessageSize"] == "1048576"
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"DelaySeconds": "0"})
    attrs = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "120"
    assert attrs["DelaySeconds"] == "0"


@pytest.mark.parametrize("attribute,minimum,maximum", INT_RANGES)
def test_set_queue_attributes_range_limits_accepted(sqs, queue, attribute, minimum, maximum):
    """The minimum and maximum of each integer attribute are accepted and read back."""
    for value in (minimum, maximum):
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={attribute: str(value)})
        got = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=[attribute])["Attributes"]
        assert got == {attribute: str(value)}


@pytest.mark.parametrize("attribute,minimum,maximum", INT_RANGES)
def test_set_queue_attributes_out_of_range(sqs, queue, attribute, minimum, maximum):
    """Values just outside each integer range (and non-integers) are InvalidAttributeValue."""
    before = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=[attribute])["Attributes"]
    for value in (str(minimum - 1), str(maximum + 1), "ten", "1.5", ""):
        expect_error(
            "InvalidAttributeValue",
            400,
            sqs.set_queue_attributes,
            QueueUrl=queue,
            Attributes={attribute: value},
            message=f"Invalid value for the parameter {attribute}.",
        )
    assert sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=[attribute])["Attributes"] == before


def test_set_queue_attributes_unknown_name(sqs, queue):
    """An unknown attribute is InvalidAttributeName and nothing in the call is applied."""
    expect_error(
        "InvalidAttributeName",
        400,
        sqs.set_queue_attributes,
        QueueUrl=queue,
        Attributes={"Flavour": "mint", "VisibilityTimeout": "99"},
        message="Unknown Attribute Flavour.",
    )
    attrs = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "30"


def test_message_retention_period_round_trips(sqs, queue):
    """MessageRetentionPeriod=60 (the minimum) is stored and reported (expiry itself is unit-tested)."""
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"MessageRetentionPeriod": "60"})
    attrs = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["MessageRetentionPeriod"])["Attributes"]
    assert attrs == {"MessageRetentionPeriod": "60"}
    # Messages sent to the queue are still delivered normally.
    sqs.send_message(QueueUrl=queue, MessageBody="short-lived")
    assert sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"] == "short-lived"


def test_set_queue_attributes_updates_last_modified(sqs):
    """LastModifiedTimestamp moves forward on SetQueueAttributes; CreatedTimestamp does not."""
    url = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    first = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    time.sleep(1.1)  # the timestamps have one-second resolution
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "31"})
    second = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert second["CreatedTimestamp"] == first["CreatedTimestamp"]
    assert int(second["LastModifiedTimestamp"]) > int(first["LastModifiedTimestamp"])
    assert int(second["LastModifiedTimestamp"]) <= int(time.time()) + 1


def test_queue_attributes_are_per_queue(sqs):
    """Setting an attribute on one queue leaves another untouched."""
    a = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    b = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=a, Attributes={"VisibilityTimeout": "5"})
    assert sqs.get_queue_attributes(QueueUrl=b, AttributeNames=["VisibilityTimeout"])["Attributes"] == {
        "VisibilityTimeout": "30"
    }
