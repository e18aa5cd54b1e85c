"""The pool of pre-started runners (:class:`jitlab.gui.process.runner_pool.RunnerPool`) over fake runners:
which processes it starts, hands out, replaces and kills."""

from __future__ import annotations

from jitlab.gui.process.runner_process import live_processes
from jitlab.gui.process.runner_pool import RunnerPool
from tests.gui.conftest import PROCESS_EXIT_MS
from tests.hostile import alive

#: A fake runner answers within a few tens of milliseconds; this leaves room for a busy machine.
READY_MS = 10_000


def _pool(python: str) -> tuple[RunnerPool, list[int]]:
    """A pool of ``python``'s runners, and the list its ``sig_changed`` signals are counted in."""
    pool = RunnerPool(python)
    changes: list[int] = []
    pool.sig_changed.connect(lambda: changes.append(1))
    return pool, changes


def _end(qtbot, pool: RunnerPool, *taken) -> None:
    """Kill what the test left and wait until no runner process is left."""
    pool.clear()
    for runner in taken:
        runner.kill()
    qtbot.waitUntil(lambda: not live_processes(), timeout=PROCESS_EXIT_MS)


def test_fill_starts_the_missing_runners_and_take_hands_out_a_ready_one_first(qtbot, fake_runner):
    pool, changes = _pool(fake_runner("--ready-after", "60"))  # still "importing torch" for the whole test
    pool.fill(1)
    slow = pool.pids()
    pool.python = fake_runner()
    pool.fill(2)  # one more, of the quick kind
    assert pool.idle_count == 2 and len(changes) == 2
    qtbot.waitUntil(lambda: pool.ready_count == 1, timeout=READY_MS)
    quick = [pid for pid in pool.pids() if pid not in slow]

    runner = pool.take(parent=pool)
    assert runner.is_ready and runner.pid == quick[0]  # the ready one, though the other was started first
    assert pool.pids() == slow and pool.idle_count == 1 and len(changes) == 3
    _end(qtbot, pool, runner)


def test_take_from_an_empty_pool_starts_a_runner_for_its_owner(qtbot, fake_runner):
    pool, _ = _pool(fake_runner())
    runner = pool.take(parent=pool)
    assert runner.is_running() and runner.parent() is pool
    assert pool.idle_count == 0 and pool.pids() == []
    qtbot.waitUntil(lambda: runner.is_ready, timeout=READY_MS)
    _end(qtbot, pool, runner)


def test_fill_replaces_the_runners_that_died(qtbot, fake_runner):
    pool, _ = _pool(fake_runner("--fault", "*:start:exit=4"))
    pool.fill(2)
    dead = list(pool._idle)
    qtbot.waitUntil(lambda: all(r.exit_info is not None for r in dead), timeout=READY_MS)
    assert [r.exit_info[0] for r in dead] == [4, 4]
    assert pool.idle_count == 0 and pool.ready_count == 0  # dead runners are not counted as idle

    pool.python = fake_runner()
    pool.fill(2)
    assert pool.idle_count == 2 and not any(r in pool._idle for r in dead)
    qtbot.waitUntil(lambda: pool.ready_count == 2, timeout=READY_MS)
    _end(qtbot, pool)


def test_clear_kills_every_idle_runner(qtbot, fake_runner):
    pool, _ = _pool(fake_runner())  # a fake runner waits for commands until its stdin ends
    pool.fill(3)
    qtbot.waitUntil(lambda: pool.ready_count == 3, timeout=READY_MS)
    pids = pool.pids()
    assert len(set(pids)) == 3 and all(alive(p) for p in pids)

    pool.clear()
    assert pool.idle_count == 0 and pool.pids() == []
    qtbot.waitUntil(lambda: not any(alive(p) for p in pids), timeout=PROCESS_EXIT_MS)
    qtbot.waitUntil(lambda: not live_processes(), timeout=PROCESS_EXIT_MS)
