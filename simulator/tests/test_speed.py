"""Seeding speed, printed as figures (run with -s to see them). No timing assertion."""

from __future__ import annotations

import time

SEED_COUNT = 100


def test_seed_100_requests_speed(world):
    started = time.perf_counter()
    for index in range(SEED_COUNT):
        world.seed([f"host{index}.example.org"])
    elapsed = time.perf_counter() - started

    listed = world.approver.get("/cm/v1/enterprise/requests/ssl/list/pending").json()

    assert len(listed) == SEED_COUNT
    print(f"\nseeded {SEED_COUNT} SSL requests through the control API in {elapsed:.2f} s "
          f"({SEED_COUNT / elapsed:.0f} per second)")


def test_seed_100_certificates_speed(world):
    started = time.perf_counter()
    for index in range(SEED_COUNT):
        world.control.create_certificate(names=[f"cert{index}.example.org"])
    elapsed = time.perf_counter() - started

    listed = world.admin.get("/cm/v1/admin/certificates/list/valid").json()

    assert len(listed) == SEED_COUNT
    print(f"\nseeded {SEED_COUNT} certificates through the control API in {elapsed:.2f} s "
          f"({SEED_COUNT / elapsed:.0f} per second)")


BATCH_COUNT = 5000


def test_batch_seed_and_list_speed(world):
    summary = world.control.seed_certificates(BATCH_COUNT, seed=1)

    started = time.perf_counter()
    listed = world.admin.get("/cm/v1/admin/certificates").json()
    elapsed = time.perf_counter() - started

    assert len(listed) == BATCH_COUNT
    print(f"\nbatch-seeded {BATCH_COUNT} certificates in {summary['elapsed_seconds']:.2f} s with "
          f"{summary['workers']} workers; streamed the list in {elapsed:.2f} s")
