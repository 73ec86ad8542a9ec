"""plnet.core.ticks: periodic ticks run when due, and a failing one does not stop the rest."""

from plnet.core import ticks


def test_ticks_run_when_due_and_survive_errors(monkeypatch):
    monkeypatch.setattr(ticks, "_REGISTRY", {})
    calls = []
    ticks.register("a", lambda: calls.append("a"), every=60)
    ticks.register("boom", lambda: 1 / 0, every=60)
    assert ticks.run_due(now=100.0) == ["a", "boom"]
    assert ticks.run_due(now=130.0) == []
    assert ticks.run_due(now=161.0) == ["a", "boom"]
    assert calls == ["a", "a"]
    assert ticks.run_due(now=162.0, force=True) == ["a", "boom"]
