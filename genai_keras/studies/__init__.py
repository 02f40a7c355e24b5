"""Studies: what trains, samples and scores the models for a chapter's measurements.

A layer above the models: studies may import the model families, the checkpoints, the
metrics and the feature network; the model families import none of them. Write
``gk.studies.<module>``:

- :mod:`.comparison`: every image model scored on the same metrics, the table of
  chapter 04 (:func:`~.comparison.compare_models`, :func:`~.comparison.heldout_nll`);
- :mod:`.collapse`: mode collapse measured over training, an MLP GAN with and without
  self-conditioning (chapter 03);
- :mod:`.few_labels`: a generative and a discriminative classifier against the number
  of labels (chapter 01);
- :mod:`.sampler_sweep`: a flow-matching model sampled at given sampler settings, timed
  and scored (chapter 06);
- :mod:`.reading`: turning measured scores into sentences, so the chapter's text always
  agrees with its numbers (chapter 04).
"""

from __future__ import annotations

from genai_keras.studies import collapse, comparison, few_labels, reading, sampler_sweep

__all__ = ["collapse", "comparison", "few_labels", "reading", "sampler_sweep"]
