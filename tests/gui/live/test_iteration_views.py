"""The window draws a run's iterations from the columns its session holds: one store, no copies."""

from __future__ import annotations

import numpy as np

from jitlab.core.session import store as S
from jitlab.core.session.iterations import IterationStore
from tests.gui.conftest import DATA, configure, open_and_wait_ready, run_to_end


def _drawn_from(win, name: str) -> IterationStore:
    """The store ``name``'s forward curve shows, checked to be the session's own and read in place."""
    store = win.model.series[name]
    assert store is win.model.session["variants"][name]["iterations"]
    win.timing.redraw()
    x, y = win.timing.curves[name]["fwd"].getOriginalDataset()
    assert np.shares_memory(y, store.measured_values("fwd"))  # the curve is a view, not a copy
    assert x.tolist() == list(range(store.measured_count))
    return store


def test_a_run_streams_into_the_session_s_store_and_the_plot_reads_it_in_place(qtbot, window, tmp_path):
    win = window
    configure(win, ["eager", "script"], iters=300, mode="infer")
    open_and_wait_ready(qtbot, win, DATA / "tiny.py", ["eager", "script"])
    stores: dict[str, IterationStore] = {}
    shared: list[bool] = []

    def on_iterations(name: str) -> None:  # while the run streams
        store = win.model.series[name]
        stores.setdefault(name, store)
        shared.append(store is win.bench.controller.conductor.iterations[name])

    win.model.sig_iterations_added.connect(on_iterations)
    session = run_to_end(qtbot, win)
    assert shared and all(shared)
    for name in ("eager", "script"):
        store = _drawn_from(win, name)
        assert stores[name] is store and store.measured_count == 300
        assert session["variants"][name]["stats"] == store.summary()

    path = win.save_session(tmp_path / "run.json")
    saved = S.load(path)
    assert [it for it in saved["variants"]["eager"]["iterations"]] == win.model.series["eager"].records()

    assert win.open_path(path)  # a loaded file fills the same kind of store, which the plot reads alike
    for name in ("eager", "script"):
        store = _drawn_from(win, name)
        assert store.records() == saved["variants"][name]["iterations"]
