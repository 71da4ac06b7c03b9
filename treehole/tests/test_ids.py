import threading

import pytest
from django.test import override_settings

from treehole import ids


def test_100k_ids_from_8_threads_are_unique_and_increasing_per_thread():
    generator = ids.SnowflakeGenerator(worker_id=7)
    per_thread: list[list[int]] = [[] for _ in range(8)]

    def work(bucket):
        for _ in range(12_500):
            bucket.append(generator.next_id())

    threads = [threading.Thread(target=work, args=(per_thread[i],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [i for bucket in per_thread for i in bucket]
    assert len(everything) == 100_000
    assert len(set(everything)) == 100_000
    for bucket in per_thread:
        assert bucket == sorted(bucket) and len(set(bucket)) == len(bucket)
    assert all(0 < i < 2**63 for i in everything)
    assert {ids.id_worker(i) for i in everything} == {7}


def test_clock_stepping_back_never_duplicates():
    now = [1_800_000_000_000]
    generator = ids.SnowflakeGenerator(worker_id=1, clock=lambda: now[0])
    seen = [generator.next_id() for _ in range(10)]
    now[0] -= 5_000  # NTP steps the clock back five seconds
    seen += [generator.next_id() for _ in range(10_000)]  # overflows the 4096 sequence too
    now[0] += 5_000
    seen += [generator.next_id() for _ in range(10)]
    assert len(set(seen)) == len(seen)
    assert seen == sorted(seen)


def test_worker_id_comes_from_settings():
    ids._generator = None
    try:
        with override_settings(TREEHOLE_WORKER_ID=513):
            assert ids.id_worker(ids.next_id()) == 513
    finally:
        ids._generator = None


def test_worker_id_out_of_range_is_refused():
    with pytest.raises(ValueError):
        ids.SnowflakeGenerator(worker_id=1024)


@pytest.mark.parametrize("value,expected", [("7311828211384320001", 7311828211384320001), (5, 5), ("abc", None), ("-1", None), ("1" * 25, None), (True, None), ("0", None)])
def test_parse_id(value, expected):
    assert ids.parse_id(value) == expected
