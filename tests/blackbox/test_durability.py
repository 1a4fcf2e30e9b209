"""Crash safety: acknowledged state survives SIGKILL and a restart on the same data directory."""

import threading
import time

from conftest import counts, drain, unique_name

BURST = 300
SENDERS = 6


def test_acknowledged_sends_survive_sigkill(sluice_factory):
    """Every SendMessage acknowledged before a SIGKILL mid-burst is delivered after restart, body intact."""
    s = sluice_factory()
    url = s.client().create_queue(QueueName=unique_name("burst"))["QueueUrl"]
    acked = {}  # MessageId -> body
    lock = threading.Lock()
    stop = threading.Event()
    enough = threading.Event()

    def sender(n):
        c = s.client(read_timeout=10)
        for i in range(BURST):  # each thread could send the whole burst; the kill cuts it short
            if stop.is_set():
                return
            body = f"sender-{n}-message-{i}-" + "p" * (i % 50)
            try:
                r = c.send_message(QueueUrl=url, MessageBody=body)
            except Exception:
                return  # the server is gone: this send was never acknowledged
            with lock:
                acked[r["MessageId"]] = body
                if len(acked) >= BURST:
                    enough.set()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(SENDERS)]
    for t in threads:
        t.start()
    assert enough.wait(timeout=60), f"only {len(acked)} sends acknowledged"
    s.kill()  # while the other senders are still sending
    stop.set()
    for t in threads:
        t.join(timeout=30)
    with lock:
        expected = dict(acked)
    assert len(expected) >= BURST

    s.restart()
    got = drain(s.client(), url)
    delivered = {}
    for m in got:
        delivered.setdefault(m["MessageId"], m["Body"])
    missing = set(expected) - set(delivered)
    assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {sorted(missing)[:3]}"
    for mid, body in expected.items():
        assert delivered[mid] == body, mid


def test_state_survives_sigkill(sluice_factory):
    """In-flight and delayed messages, receipt handles and queue attributes survive SIGKILL and restart."""
    s = sluice_factory()
    c = s.client()
    name = unique_name("state")
    url = c.create_queue(
        QueueName=name,
        Attributes={"VisibilityTimeout": "45", "MaximumMessageSize": "4096"},
    )["QueueUrl"]
    c.set_queue_attributes(
        QueueUrl=url,
        Attributes={"DelaySeconds": "3", "MessageRetentionPeriod": "86400", "ReceiveMessageWaitTimeSeconds": "0"},
    )
    c.send_message(QueueUrl=url, MessageBody="in flight", DelaySeconds=0)
    inflight = c.receive_message(QueueUrl=url, VisibilityTimeout=600)["Messages"][0]
    c.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=900)
    c.send_message(
        QueueUrl=url,
        MessageBody="visible",
        DelaySeconds=0,
        MessageAttributes={
            "k": {"DataType": "String.custom", "StringValue": "v"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
        },
    )
    before = c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts(c, url) == (1, 1, 1)

    s.kill()
    s.restart()
    c = s.client()
    assert c.get_queue_url(QueueName=name)["QueueUrl"] == url
    after = c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert after == before
    assert counts(c, url) == (1, 1, 1)

    got = c.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600, MessageAttributeNames=["All"]
    )["Messages"]
    assert [m["Body"] for m in got] == ["visible"]
    assert got[0]["MessageAttributes"] == {
        "k": {"DataType": "String.custom", "StringValue": "v"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
    }
    assert "Messages" not in c.receive_message(QueueUrl=url, MaxNumberOfMessages=10)

    # The receipt handle issued before the crash still works.
    c.change_message_visibility(QueueUrl=url, ReceiptHandle=inflight["ReceiptHandle"], VisibilityTimeout=0)
    again = c.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert again["MessageId"] == inflight["MessageId"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    c.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
    assert counts(c, url) == (0, 1, 1)


def test_clean_restart_keeps_everything(sluice_factory):
    """After SIGTERM (exit 0) and restart, queues and messages are all still there."""
    s = sluice_factory()
    c = s.client()
    urls = [c.create_queue(QueueName=unique_name("keep"))["QueueUrl"] for _ in range(3)]
    for u in urls:
        for i in range(5):
            c.send_message(QueueUrl=u, MessageBody=f"{u}-{i}")
    assert s.stop() == 0
    s.restart()
    c = s.client()
    for u in urls:
        bodies = sorted(m["Body"] for m in drain(c, u))
        assert bodies == sorted(f"{u}-{i}" for i in range(5))


def test_deleted_state_survives_sigkill(sluice_factory):
    """Deletions acknowledged before a crash stay deleted: no message or queue comes back."""
    s = sluice_factory()
    c = s.client()
    url = c.create_queue(QueueName=unique_name("del"))["QueueUrl"]
    gone_name = unique_name("gone")
    gone = c.create_queue(QueueName=gone_name)["QueueUrl"]
    for i in range(4):
        c.send_message(QueueUrl=url, MessageBody=str(i))
    msgs = drain(c, url)
    assert len(msgs) == 4
    for m in msgs[:3]:
        c.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    c.change_message_visibility(QueueUrl=url, ReceiptHandle=msgs[3]["ReceiptHandle"], VisibilityTimeout=0)
    c.delete_queue(QueueUrl=gone)
    s.kill()
    s.restart()
    c = s.client()
    left = drain(c, url)
    assert [m["MessageId"] for m in left] == [msgs[3]["MessageId"]]
    assert gone not in c.list_queues().get("QueueUrls", [])


def test_memory_storage_starts_empty(sluice_factory):
    """--storage memory serves normally and keeps nothing across a restart."""
    s = sluice_factory("--storage", "memory")
    c = s.client()
    name = unique_name("mem")
    url = c.create_queue(QueueName=name)["QueueUrl"]
    c.send_message(QueueUrl=url, MessageBody="ephemeral")
    assert s.health()["storage"] == "memory"
    assert s.stop() == 0
    s.restart()
    assert "QueueUrls" not in s.client().list_queues(QueueNamePrefix=name)


def test_relaxed_durability_survives_process_crash(sluice_factory):
    """--durability relaxed keeps acknowledged messages across a process crash (a machine crash may lose them)."""
    s = sluice_factory("--durability", "relaxed")
    assert s.health()["durability"] == "relaxed"
    c = s.client()
    url = c.create_queue(QueueName=unique_name("relaxed"))["QueueUrl"]
    sent = {c.send_message(QueueUrl=url, MessageBody=f"r{i}")["MessageId"] for i in range(50)}
    s.kill()
    s.restart()
    got = {m["MessageId"] for m in drain(s.client(), url)}
    assert sent <= got


def test_new_writes_after_restart_do_not_collide(sluice_factory):
    """Messages and queues created after a crash get fresh ids: nothing older is overwritten."""
    s = sluice_factory()
    c = s.client()
    url = c.create_queue(QueueName=unique_name("ids"))["QueueUrl"]
    before = {c.send_message(QueueUrl=url, MessageBody=f"before-{i}")["MessageId"] for i in range(5)}
    s.kill()
    s.restart()
    c = s.client()
    after = {c.send_message(QueueUrl=url, MessageBody=f"after-{i}")["MessageId"] for i in range(5)}
    other = c.create_queue(QueueName=unique_name("ids-new"))["QueueUrl"]
    c.send_message(QueueUrl=other, MessageBody="new queue")
    got = drain(c, url)
    assert {m["MessageId"] for m in got} == before | after
    expected = [f"before-{i}" for i in range(5)] + [f"after-{i}" for i in range(5)]
    assert sorted(m["Body"] for m in got) == sorted(expected)
    assert [m["Body"] for m in drain(c, other)] == ["new queue"]


def test_fifo_deduplication_survives_restart(sluice_factory):
    """A FIFO deduplication id seen before a crash still deduplicates after restart."""
    s = sluice_factory()
    c = s.client()
    url = c.create_queue(QueueName=unique_name("dedup") + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    first = c.send_message(QueueUrl=url, MessageBody="once", MessageGroupId="g", MessageDeduplicationId="id-1")
    s.kill()
    s.restart()
    c = s.client()
    again = c.send_message(QueueUrl=url, MessageBody="once", MessageGroupId="g", MessageDeduplicationId="id-1")
    assert again["MessageId"] == first["MessageId"]
    assert counts(c, url) == (1, 0, 0)


def test_move_task_survives_restart(sluice_factory):
    """A running message move task resumes after a crash and completes."""
    import json
    import xml.etree.ElementTree as ET

    ns = "{http://queue.amazonaws.com/doc/2012-11-05/}"
    s = sluice_factory()
    c = s.client()
    dlq = c.create_queue(QueueName=unique_name("dlq"))["QueueUrl"]
    dlq_arn = c.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source = c.create_queue(
        QueueName=unique_name("src"),
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})},
    )["QueueUrl"]
    for i in range(3):
        c.send_message(QueueUrl=source, MessageBody=f"resume-{i}")
    drain(c, source, visibility=0)  # first receive of each
    assert "Messages" not in c.receive_message(QueueUrl=source, MaxNumberOfMessages=10)  # moves them
    assert counts(c, dlq) == (3, 0, 0)
    st, _, body = s.raw_query(
        {
            "Action": "StartMessageMoveTask",
            "Version": "2012-11-05",
            "SourceArn": dlq_arn,
            "MaxNumberOfMessagesPerSecond": "1",
        }
    )
    assert st == 200, body
    s.kill()
    s.restart()
    c = s.client()
    deadline = time.monotonic() + 15
    status = None
    while time.monotonic() < deadline:
        st, _, body = s.raw_query(
            {"Action": "ListMessageMoveTasks", "Version": "2012-11-05", "SourceArn": dlq_arn}
        )
        assert st == 200, body
        entry = ET.fromstring(body).find(f"{ns}ListMessageMoveTasksResult/{ns}ListMessageMoveTasksResultEntry")
        status = entry.find(f"{ns}Status").text
        if status == "COMPLETED":
            break
        time.sleep(0.2)
    assert status == "COMPLETED"
    assert counts(c, dlq) == (0, 0, 0)
    assert sorted(m["Body"] for m in drain(c, source)) == ["resume-0", "resume-1", "resume-2"]


def test_fifo_order_and_exactly_once_survive_sigkill(sluice_factory):
    """FIFO order within each group and deduplication hold across a SIGKILL mid-burst and the
    client retries that follow it."""
    groups = 4
    per_group = 60
    s = sluice_factory()
    url = s.client().create_queue(
        QueueName=unique_name("crash") + ".fifo", Attributes={"FifoQueue": "true"}
    )["QueueUrl"]
    acked = {g: [] for g in range(groups)}  # group -> acknowledged indexes, in send order
    lock = threading.Lock()
    enough = threading.Event()

    def sender(g):
        c = s.client(read_timeout=10)
        for i in range(per_group):
            try:
                c.send_message(
                    QueueUrl=url,
                    MessageBody=f"{g}:{i}",
                    MessageGroupId=f"group-{g}",
                    MessageDeduplicationId=f"{g}-{i}",
                )
            except Exception:
                return
            with lock:
                acked[g].append(i)
                if sum(len(v) for v in acked.values()) >= groups * per_group // 2:
                    enough.set()

    threads = [threading.Thread(target=sender, args=(g,)) for g in range(groups)]
    for t in threads:
        t.start()
    assert enough.wait(timeout=60)
    s.kill()
    for t in threads:
        t.join(timeout=30)

    s.restart()
    c = s.client()
    # A client that lost its connection retries with the same deduplication ids and then
    # goes on: the retries of acknowledged sends must not be stored twice.
    for g in range(groups):
        sent = acked[g]
        resume = sent[-1] + 1 if sent else 0
        for i in range(max(0, resume - 5), min(per_group, resume + 5)):
            c.send_message(
                QueueUrl=url, MessageBody=f"{g}:{i}", MessageGroupId=f"group-{g}", MessageDeduplicationId=f"{g}-{i}"
            )
            if i >= resume:
                acked[g].append(i)

    seen = {g: [] for g in range(groups)}
    while True:
        r = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)
        msgs = r.get("Messages", [])
        if not msgs:
            break
        for m in msgs:
            g, i = (int(x) for x in m["Body"].split(":"))
            seen[g].append(i)
        c.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(msgs)]
        )
    for g in range(groups):
        assert seen[g] == sorted(seen[g]), f"group {g} out of order: {seen[g]}"
        assert len(seen[g]) == len(set(seen[g])), f"group {g} delivered a duplicate: {seen[g]}"
        missing = set(acked[g]) - set(seen[g])
        assert not missing, f"group {g} lost acknowledged messages {sorted(missing)}"
