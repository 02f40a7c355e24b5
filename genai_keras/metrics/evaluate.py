"""Every sample-quality metric of generated images at once: :func:`evaluate_samples`."""

from __future__ import annotations

from typing import Any

from genai_keras.checks import as_images, as_seed, positive_int
from genai_keras.feature_net import load_feature_net
from genai_keras.metrics.frechet import feature_statistics, frechet_distance
from genai_keras.metrics.inception import inception_score_from_probs
from genai_keras.metrics.inputs import _check_fid_count, _features, _warn_fid_bias
from genai_keras.metrics.kernel_distance import kid_from_features
from genai_keras.metrics.manifold import knn_radii, precision_recall_from_features
from genai_keras.metrics.reference import (
    _check_num_real,
    _reference_radii,
    _reference_stats,
    mnist_test_features,
)


def evaluate_samples(
    images: Any,
    reference: Any = "mnist_test",
    num_real: int = 10000,
    k: int = 3,
    splits: int = 10,
    kid_subsets: int = 100,
    kid_subset_size: int | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """All sample-quality metrics of generated images against real MNIST digits.

    Features of ``images`` are computed once and reused by every metric; the
    reference features and statistics are cached, so 10,000 samples take a few
    seconds on a laptop CPU. Below ``FID_BIAS_SAMPLES`` (5,000) samples in either set
    a ``UserWarning`` says that the FID is biased upwards (compare only at equal N,
    ideally 10,000).

    Args:
        images: generated images ``(N, 28, 28, 1)`` (or ``(N, 28, 28)``), pixels in
            [0, 1]; N >= max(``MIN_SAMPLES_FID``, splits, k + 1), i.e. 256 by default.
        reference: ``"mnist_test"`` (the first ``num_real`` test images, cached), or an
            array of real images (also at least 256).
        num_real: how many test images to use with ``reference="mnist_test"`` (256 to
            10,000).
        k: the k of precision/recall, which use equal numbers of real and generated
            images (the first ``min(N, num_real)`` of each), as in the paper.
        splits: the splits of the Inception Score.
        kid_subsets, kid_subset_size, seed: the KID subsets (see :func:`kid_from_features`).

    Returns:
        ``{"fid", "kid_mean", "kid_std", "is_mean", "is_std", "precision", "recall",
        "num_samples", "num_real"}`` (floats; the counts are ints).

    Raises:
        ValueError: bad images, unknown reference, bad sizes (fewer than 256 samples in
            a set, among others).
    """
    k = positive_int(k, "k")
    splits = positive_int(splits, "splits")
    seed = as_seed(seed)
    if isinstance(reference, str):
        if reference != "mnist_test":
            raise ValueError(
                f"Unknown reference {reference!r}; use 'mnist_test' or pass an array of real "
                "images."
            )
        num_real = _check_num_real(num_real)
        _check_fid_count(num_real, "num_real")
    x = as_images(images, name="images")
    _check_fid_count(x.shape[0], "images")  # MIN_SAMPLES_FID > MIN_SAMPLES_KID: covers KID
    fake, probs = _features(x, "images", min_count=max(splits, k + 1))
    if isinstance(reference, str):
        key = load_feature_net().cache_key
        real = mnist_test_features()[0][:num_real]
        mu_r, cov_r = _reference_stats(key, num_real)
        n_pr = min(num_real, fake.shape[0])
        radii = _reference_radii(key, n_pr, k)
    else:
        x_real = as_images(reference, name="reference")
        _check_fid_count(x_real.shape[0], "reference")
        real, _ = _features(x_real, "reference", min_count=k + 1)
        mu_r, cov_r = feature_statistics(real)
        n_pr = min(real.shape[0], fake.shape[0])
        radii = knn_radii(real[:n_pr], k)
    _warn_fid_bias({"images": fake.shape[0], "the reference": real.shape[0]}, stacklevel=2)
    fid_value = frechet_distance(mu_r, cov_r, *feature_statistics(fake))
    kid_mean, kid_std = kid_from_features(real, fake, kid_subsets, kid_subset_size, seed)
    is_mean, is_std = inception_score_from_probs(probs, splits)
    # k-NN radii depend on how densely a set is sampled: compare equal numbers.
    precision, recall = precision_recall_from_features(
        real[:n_pr], fake[:n_pr], k, real_radii=radii
    )
    return {
        "fid": fid_value,
        "kid_mean": kid_mean,
        "kid_std": kid_std,
        "is_mean": is_mean,
        "is_std": is_std,
        "precision": precision,
        "recall": recall,
        "num_samples": int(fake.shape[0]),
        "num_real": int(real.shape[0]),
    }
