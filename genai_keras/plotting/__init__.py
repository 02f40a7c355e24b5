"""Figures used across the chapters: image grids, training curves and model diagrams.

Every function returns the matplotlib ``Figure`` it drew, titled and with labelled
axes, so a notebook cell ends with the call and shows the picture.

The figures live in ``images`` (image grids, latent and attention maps),
``curves`` (training and metric curves, bar values), ``histograms``
(histograms, densities, scatter plots) and ``diagrams`` (schematic diagrams of
the models, drawn with matplotlib only), all re-exported here: write
``gk.plotting.<name>``.
"""

from __future__ import annotations

from genai_keras.plotting.application_diagrams import applications_diagram, plot_augmentation_gain
from genai_keras.plotting.curves import (
    plot_bar_values,
    plot_bits_per_char,
    plot_error_vs_n,
    plot_history,
    plot_metric_panels,
    plot_rate_distortion,
)
from genai_keras.plotting.diagrams import (
    autoencoder_diagram,
    data_parallel_diagram,
    diffusion_diagram,
    evaluation_diagram,
    gan_diagram,
    latent_variable_diagram,
    mixture_diagram,
    transformer_diagram,
    vae_diagram,
)
from genai_keras.plotting.histograms import (
    plot_class_counts,
    plot_class_histograms,
    plot_curve_family,
    plot_density_with_samples,
    plot_embedding_2d,
    plot_pixel_histogram,
    plot_toy_gan,
)
from genai_keras.plotting.images import (
    plot_attention,
    show_image_rows,
    show_images,
    show_latent_map,
)

__all__ = [
    "applications_diagram",
    "autoencoder_diagram",
    "data_parallel_diagram",
    "diffusion_diagram",
    "evaluation_diagram",
    "gan_diagram",
    "latent_variable_diagram",
    "mixture_diagram",
    "plot_attention",
    "plot_augmentation_gain",
    "plot_bar_values",
    "plot_bits_per_char",
    "plot_class_counts",
    "plot_class_histograms",
    "plot_curve_family",
    "plot_density_with_samples",
    "plot_embedding_2d",
    "plot_error_vs_n",
    "plot_history",
    "plot_metric_panels",
    "plot_pixel_histogram",
    "plot_rate_distortion",
    "plot_toy_gan",
    "show_image_rows",
    "show_images",
    "show_latent_map",
    "transformer_diagram",
    "vae_diagram",
]
