"""Crash safety under load: producers and consumers run while the server is SIGKILLed at random
moments several times and restarted on the same data directory. Afterwards every acknowledged
send was delivered or is still queued, nothing whose deletion was acknowledged comes back, FIFO
order holds within each group, and retried FIFO sends are deduplicated across restarts."""

import itertools
import random
import threading
import time

from conftest import unique_name

ROUNDS = 5
FIFO_GROUPS = 3


class Ledger:
    """What the clients were told, in the order they were told it."""

    def __init__(self):
        self.lock = threading.Lock()
        self.clock = itertools.count()
        self.std_acked = set()
        self.std_delete_acked = set()
        self.std_seen = set()
        self.violations = []
        self.fifo_acked = {g: set() for g in range(FIFO_GROUPS)}
        self.fifo_next = {g: 0 for g in range(FIFO_GROUPS)}
        self.fifo_delete_issued = {g: {} for g in range(FIFO_GROUPS)}  # index -> event time
        self.fifo_deliveries = []  # (event time, group, index)
        self.fifo_ids = {}  # (group, index) -> set of MessageIds

    def tick(self):
        return next(self.clock)


def producer_std(client, url, ledger, stop, n):
    for i in itertools.count():
        if stop.is_set():
            return
        body = f"std-{n}-{ledger.tick()}-{i}"
        try:
            client.send_message(QueueUrl=url, MessageBody=body)
        except Exception:
            return
        with ledger.lock:
            ledger.std_acked.add(body)


def consumer_std(client, url, ledger, stop):
    while not stop.is_set():
        try:
            msgs = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=2).get("Messages", [])
        except Exception:
            return
        with ledger.lock:
            for m in msgs:
                if m["Body"] in ledger.std_delete_acked:
                    ledger.violations.append(f"deleted message came back: {m['Body']}")
                ledger.std_seen.add(m["Body"])
        for m in msgs:
            try:
                client.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            except Exception:
                return
            with ledger.lock:
                ledger.std_delete_acked.add(m["Body"])


def producer_fifo(client, url, ledger, stop, g):
    while not stop.is_set():
        i = ledger.fifo_next[g]
        try:
            r = client.send_message(
                QueueUrl=url, MessageBody=f"{g}:{i}", MessageGroupId=f"g{g}", MessageDeduplicationId=f"{g}-{i}"
            )
        except Exception:
            return  # retried with the same deduplication id after the restart
        with ledger.lock:
            ledger.fifo_acked[g].add(i)
            ledger.fifo_ids.setdefault((g, i), set()).add(r["MessageId"])
            ledger.fifo_next[g] = i + 1


def consumer_fifo(client, url, ledger, stop):
    while not stop.is_set():
        try:
            msgs = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=2).get("Messages", [])
        except Exception:
            return
        with ledger.lock:
            batch = ledger.tick()  # one receive: its messages share a time
            for m in msgs:
                g, i = (int(x) for x in m["Body"].split(":"))
                ledger.fifo_deliveries.append((batch, g, i))
                ledger.fifo_ids.setdefault((g, i), set()).add(m["MessageId"])
        for m in msgs:
            g, i = (int(x) for x in m["Body"].split(":"))
            with ledger.lock:
                ledger.fifo_delete_issued[g].setdefault(i, ledger.tick())
            try:
                client.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            except Exception:
                return


def test_random_sigkills_under_load(sluice_factory):
    """Five SIGKILLs at random moments under concurrent load lose and resurrect nothing."""
    rng = random.Random(20261127)
    s = sluice_factory()
    c = s.client()
    std = c.create_queue(QueueName=unique_name("crash"))["QueueUrl"]
    fifo = c.create_queue(QueueName=unique_name("crash") + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    ledger = Ledger()

    for _ in range(ROUNDS):
        stop = threading.Event()
        threads = [threading.Thread(target=producer_std, args=(s.client(read_timeout=5), std, ledger, stop, n)) for n in range(2)]
        threads.append(threading.Thread(target=consumer_std, args=(s.client(read_timeout=5), std, ledger, stop)))
        threads += [
            threading.Thread(target=producer_fifo, args=(s.client(read_timeout=5), fifo, ledger, stop, g))
            for g in range(FIFO_GROUPS)
        ]
        threads.append(threading.Thread(target=consumer_fifo, args=(s.client(read_timeout=5), fifo, ledger, stop)))
        for t in threads:
            t.start()
        time.sleep(rng.uniform(1.0, 2.5))
        s.kill()
        stop.set()
        for t in threads:
            t.join(timeout=30)
            assert not t.is_alive()
        s.restart()

    # Drain what is left without deleting (long visibility), after the last restart.
    c = s.client()
    remaining_std = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        msgs = c.receive_message(QueueUrl=std, MaxNumberOfMessages=10, VisibilityTimeout=600, WaitTimeSeconds=3).get(
            "Messages", []
        )
        if not msgs:
            break
        remaining_std.update(m["Body"] for m in msgs)
    # Drain the FIFO queue until it is empty; in-flight messages of the last round come back
    # after their 2 s visibility.
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        msgs = c.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10, VisibilityTimeout=30, WaitTimeSeconds=1).get(
            "Messages", []
        )
        if not msgs:
            attrs = c.get_queue_attributes(
                QueueUrl=fifo, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
            if attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0":
                break
            continue
        with ledger.lock:
            batch = ledger.tick()
            for m in msgs:
                g, i = (int(x) for x in m["Body"].split(":"))
                ledger.fifo_deliveries.append((batch, g, i))
                ledger.fifo_ids.setdefault((g, i), set()).add(m["MessageId"])
            for m in msgs:
                g, i = (int(x) for x in m["Body"].split(":"))
                ledger.fifo_delete_issued[g].setdefault(i, ledger.tick())
        c.delete_message_batch(
            QueueUrl=fifo, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(msgs)]
        )

    assert not ledger.violations, ledger.violations[:5]
    assert len(ledger.std_acked) > 50, "too little load to mean anything"
    lost = ledger.std_acked - ledger.std_seen - remaining_std
    assert not lost, f"{len(lost)} acknowledged messages lost, e.g. {sorted(lost)[:3]}"
    resurrected = remaining_std & ledger.std_delete_acked
    assert not resurrected, f"deleted messages came back: {sorted(resurrected)[:3]}"

    for g in range(FIFO_GROUPS):
        delivered = {i for (_, gg, i) in ledger.fifo_deliveries if gg == g}
        lost = ledger.fifo_acked[g] - delivered
        assert not lost, f"FIFO group {g} lost acknowledged messages {sorted(lost)[:5]}"
    same_batch = {}
    for t, g, i in ledger.fifo_deliveries:
        same_batch.setdefault((t, g), set()).add(i)
    for t, g, i in ledger.fifo_deliveries:
        # When i is delivered, every earlier acknowledged message of its group has been handed
        # to DeleteMessage already, or comes in the same receive.
        for j in ledger.fifo_acked[g]:
            if j < i and j not in same_batch[(t, g)]:
                issued = ledger.fifo_delete_issued[g].get(j)
                assert issued is not None and issued < t, f"group {g}: {i} delivered before {j} was deleted"
    for key, ids in ledger.fifo_ids.items():
        assert len(ids) == 1, f"{key} stored more than once: {ids}"
