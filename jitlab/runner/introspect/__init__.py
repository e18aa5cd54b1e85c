"""What the compilers made of the module, and what ran on the device.

``collect(runner)`` is called once, after the timed iterations, and returns
``{"graphs": ..., "kernels": ..., "notes": [...]}`` for the session. Nothing
in it may fail the variant: every step that reads a private API runs under
:class:`~jitlab.runner.introspect.limits.attempt`, which turns a failure into a
note.

Records
-------
``graphs`` (``None`` for eager)
    script and trace: ``graph``, ``inlined_graph``, ``code``, ``optimized``
    ``{forward, backward}`` and ``fusion_groups`` (see
    :mod:`.torchscript`, :mod:`.fusion`). compile: ``fx_graphs``,
    ``graph_count``, ``graph_break_count``, ``break_reasons``, ``recompiles``,
    ``code`` ``{forward, backward}``, ``kernel_names``, ``compiled_graphs``
    and ``compile_metrics`` (see :mod:`.compiled`).
``kernels``
    ``items`` (``name``, ``phase``, ``count``, ``device_time_us``, ``fused``,
    ``group``; per iteration), ``totals`` and ``by_phase`` (``distinct``,
    ``launches``, ``device_time_us``, ``fused_launches``), ``iterations``,
    ``unit``, ``device``, ``hidden_metadata_ops``, ``trace_file`` and
    ``collect_ms`` (what introspection itself cost). See :mod:`.kernels`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from jitlab.core.variants import is_compile
from jitlab.runner.introspect.limits import attempt, jsonable


def collect(runner: Any) -> dict[str, Any]:
    """Graphs, kernels and notes of ``runner``'s variant (JSON-ready).

    Must be the last thing that runs the variant: for ``compile`` it ends with
    ``torch._dynamo.explain``, which resets Dynamo's caches.
    """
    notes: list[str] = []
    result: dict[str, Any] = {"graphs": None, "kernels": None}
    # Each step guards itself; this outer net only keeps a surprise in the
    # glue from failing a variant whose timings are already measured.
    with attempt(notes, "introspection"):
        _collect(runner, notes, result)
    return {"graphs": jsonable(result["graphs"]), "kernels": jsonable(result["kernels"]),
            "notes": [str(n) for n in notes]}


def _collect(runner: Any, notes: list[str], result: dict[str, Any]) -> None:
    """Fill ``result["graphs"]`` and ``result["kernels"]`` as each becomes known."""
    variant = runner.variant
    cfg = runner.cfg or {}
    train = cfg.get("mode", "train") == "train"
    timing: dict[str, float] = {}
    t0 = time.perf_counter()

    graphs: dict[str, Any] | None = None
    generated: list[str] = []
    cpu_hook = None
    fallback: dict[str, Any] = {}
    if variant in ("script", "trace"):
        from jitlab.runner.introspect import torchscript

        with attempt(notes, f"the {variant} graphs"):
            graphs = torchscript.collect(runner.fn, train, runner.device, bool(cfg.get("cpu_fusion")), notes)
            result["graphs"] = graphs
            generated = [g["kernel_name"] for g in graphs["fusion_groups"] if g.get("kernel_name")]
    elif is_compile(variant):
        from jitlab.runner.introspect import compiled

        with attempt(notes, "the compiled graphs"):
            graphs, modules, fallback = compiled.collect_before_profile(notes)
            result["graphs"] = graphs
            generated = list(graphs["kernel_names"])
            cpu_hook = (lambda: compiled.recorded_kernels(modules)) if modules else None
    timing["graphs"] = _ms_since(t0)

    t1 = time.perf_counter()
    kernels: dict[str, Any] | None = None
    if runner.harness is not None:
        from jitlab.runner.introspect import kernels as K

        with attempt(notes, "the kernel list"):
            kernels = K.profile(runner, generated, cpu_hook, notes)
            result["kernels"] = kernels
    timing["profile"] = _ms_since(t1)

    if variant in ("script", "trace") and graphs and kernels:
        with attempt(notes, "the link between fusion groups and profiled kernels"):
            _link_nnc(graphs, kernels, notes)
    if kernels is not None:
        with attempt(notes, "the source lines of the kernels"):
            _link_lines(runner, graphs, kernels, train, notes)
    if is_compile(variant) and graphs is not None:
        t2 = time.perf_counter()
        _explain_into(graphs, runner, train, fallback, notes)
        timing["explain"] = _ms_since(t2)

    timing["total"] = _ms_since(t0)
    if kernels is not None:
        kernels["collect_ms"] = timing


def _ms_since(t: float) -> float:
    return round((time.perf_counter() - t) * 1000.0, 1)


def _link_nnc(graphs: dict[str, Any], kernels: dict[str, Any], notes: list[str]) -> None:
    """Fix fusion groups' kernel names from the profile, then point rows at them."""
    from jitlab.runner.introspect import fusion

    groups = graphs.get("fusion_groups") or []
    fusion.link_profiled_names(groups, [row["name"] for row in kernels["items"]], notes)
    names = {g["kernel_name"] for g in groups if g.get("kernel_name")}
    for row in kernels["items"]:
        if row["name"] in names:
            row["group"] = row["name"]
            row["fused"] = True


def _link_lines(runner: Any, graphs: dict[str, Any] | None, kernels: dict[str, Any], train: bool,
                notes: list[str]) -> None:
    """Give each kernel row the user's lines it came from (see :mod:`.provenance`)."""
    from jitlab.runner.introspect import provenance

    user_file = Path(runner.path).resolve() if getattr(runner, "path", None) else None
    kind = runner.variant.split(":")[0]
    if kind == "compile":
        stacks, missing = provenance.inductor_stacks()
        if missing and not stacks:
            notes.append("Inductor recorded no provenance for its kernels (a cache hit from a compile without "
                         "provenance tracking, or a torch without it): kernels are not traced back to lines")
        by_name: dict[Any, Any] = provenance.compile_origins(stacks, user_file, notes)
        calls: dict = {}
    elif kind in ("script", "trace"):
        from jitlab.runner.introspect import torchscript

        plans = torchscript.optimized_plans(runner.fn, train, [])
        by_name, calls = provenance.torchscript_origins(plans, (graphs or {}).get("fusion_groups") or [],
                                                        user_file)
    else:
        return  # eager has no graph whose nodes know their lines
    provenance.attach(kernels, runner.variant, by_name, user_file, notes, calls)


def _explain_into(graphs: dict[str, Any], runner: Any, train: bool, fallback: dict[str, Any],
                  notes: list[str]) -> None:
    from jitlab.runner.introspect import compiled

    target = runner.target
    user_file = Path(runner.path).resolve() if getattr(runner, "path", None) else None
    with attempt(notes, "Dynamo's graphs and graph breaks (torch._dynamo.explain)") as tried:
        graphs.update(compiled.explain(target.module, target.inputs, train, user_file, notes))
    if tried.failed and fallback:
        graphs.update(fallback)
        notes.append("graph and break counts come from Dynamo's counters, without the lines of the breaks")
    watched = getattr(getattr(runner, "watch", None), "found", None)
    for note in compiled.summary_notes(graphs):
        # The recompile watch already said each recompile, at its iteration and in plain words.
        if watched and note.startswith("Dynamo recompiled"):
            continue
        notes.append(note)
