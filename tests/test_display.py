"""Showing the package's code in a notebook (genai_keras.display)."""

from __future__ import annotations

import sys

import pytest

from genai_keras import display


def test_source_of_a_function():
    text = display.source(display.source)
    assert text.startswith("def source(*objects: Any) -> str:")
    with pytest.raises(ValueError, match="Pass at least one"):
        display.source()


def test_source_in_module_reads_the_file_without_importing_it(monkeypatch):
    monkeypatch.delitem(sys.modules, "genai_keras.backend.torch", raising=False)
    text = display.source_in_module(
        "genai_keras.backend.torch", "list_devices", "scale_loss_for_replicas"
    )
    assert text.startswith("def list_devices():") and "def scale_loss_for_replicas(loss):" in text
    assert "genai_keras.backend.torch" not in sys.modules
    assert display.show_code_in_module(
        "genai_keras.backend.jax", "data_parallel_scope"
    ).data.startswith("def data_parallel_scope(num_devices):")


def test_source_in_module_errors():
    with pytest.raises(ValueError, match=r"defines no nothing_here; it defines: .*list_devices"):
        display.source_in_module("genai_keras.backend.torch", "nothing_here")
    with pytest.raises(ValueError, match=r"No Python source file for module 'genai_keras\.nope'"):
        display.source_in_module("genai_keras.nope", "x")
    with pytest.raises(ValueError, match=r"No Python source file for module 'not_a_package\.x'"):
        display.source_in_module("not_a_package.x", "x")
    with pytest.raises(ValueError, match="Name at least one"):
        display.source_in_module("genai_keras.backend.torch")
