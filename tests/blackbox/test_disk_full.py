"""A full disk: writes fail with ServiceUnavailable (503), nothing unacknowledged is reported as
sent, the server keeps serving, and writes resume once space returns. Needs root (tmpfs mount)."""

import os
import subprocess
import urllib.request

import botocore
import pytest

from conftest import drain, unique_name


@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount tmpfs: {r.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_disk_full_is_503_and_recovers(sluice_factory, small_fs):
    """Filling the data directory's disk gives 503s, loses nothing acknowledged, and recovers."""
    s = sluice_factory(data_dir=small_fs / "data")
    c = s.client()
    url = c.create_queue(QueueName=unique_name("full"))["QueueUrl"]
    acked = []
    errors = []
    body = "d" * 100_000
    for i in range(400):
        entries = [{"Id": str(j), "MessageBody": f"{i}-{j}-{body}"} for j in range(10)]
        try:
            r = c.send_message_batch(QueueUrl=url, Entries=entries)
        except botocore.exceptions.ClientError as e:
            errors.append((e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]))
            if len(errors) >= 3:
                break
            continue
        acked.extend(f"{i}-{e['Id']}" for e in r["Successful"])
    assert errors, "the disk never filled up"
    assert all(e == ("ServiceUnavailable", 503) for e in errors), errors
    assert acked
    # Still serving: reads and health work while the disk is full.
    with urllib.request.urlopen(f"{s.endpoint}/health", timeout=5) as h:
        assert h.status == 200
    assert c.get_queue_url(QueueName=url.rsplit("/", 1)[1])["QueueUrl"] == url

    # Space comes back: writes resume, and every acknowledged message is there.
    subprocess.run(["mount", "-o", "remount,size=600m", str(small_fs)], check=True)
    c.send_message(QueueUrl=url, MessageBody="after")
    got = drain(c, url)
    ids = {"-".join(m["Body"].split("-", 2)[:2]) for m in got if m["Body"] != "after"}
    assert set(acked) <= ids, f"{len(set(acked) - ids)} acknowledged messages missing"
    assert any(m["Body"] == "after" for m in got)
