"""Sample-quality metrics for generated digits: FID, KID, Inception Score, precision/recall.

All of them look at images through the same fixed MNIST classifier
(:mod:`genai_keras.feature_net`): FID, KID and precision/recall compare the 128-D
embeddings of real and generated images, the Inception Score uses its class
probabilities. Because the network is fixed and shipped, the numbers are comparable
across runs, machines and chapters, but **not** with FIDs computed with Inception-v3
on other data sets (different features, different scale).

- FID (Heusel et al., 2017): Frechet distance between Gaussians fitted to the two
  feature sets. Lower is better; biased upwards for small samples.
- KID (Binkowski et al., 2018): unbiased estimate of the squared MMD with the cubic
  polynomial kernel ``k(x, y) = (x.y / d + 1)^3``, averaged over random subsets;
  :func:`kid_by_degree` splits it into the kernel's degree-1, 2 and 3 terms.
- Inception Score (Salimans et al., 2016): ``exp E_x KL(p(y|x) || p(y))``; between 1
  and the number of classes (10); higher means confident and varied predictions.
- Precision / recall (Kynkaanniemi et al., 2019): the fraction of generated samples
  inside the k-NN manifold of real features (fidelity), and the fraction of real
  samples inside the manifold of generated ones (diversity / coverage).

Every function takes images ``(N, 28, 28, 1)`` (or ``(N, 28, 28)``) with pixels in
[0, 1]; the ``*_from_features`` variants take ``(N, D)`` feature arrays. FID needs at
least ``MIN_SAMPLES_FID`` (256) samples per set and warns below ``FID_BIAS_SAMPLES``
(5,000); KID needs at least ``MIN_SAMPLES_KID`` (100). Report numbers at 10,000.

One submodule per metric, all re-exported here (write ``gk.metrics.<name>``):
``frechet`` (FID), ``kernel_distance`` (KID), ``inception`` (Inception
Score), ``manifold`` (precision/recall), ``reference`` (the cached MNIST test
features), ``evaluate`` (:func:`evaluate_samples`), ``corruptions``
(:func:`corrupt`), ``image_quality`` (:func:`psnr`, :func:`ssim`: restored vs true
images, chapter 07), and ``inputs`` (the sample-size limits and input checks).

Used in chapter 04 (and by every chapter that scores its samples).
"""

from __future__ import annotations

from genai_keras.metrics.corruptions import CORRUPTIONS, corrupt
from genai_keras.metrics.evaluate import evaluate_samples
from genai_keras.metrics.frechet import feature_statistics, fid, fid_from_features, frechet_distance
from genai_keras.metrics.image_quality import psnr, ssim
from genai_keras.metrics.inception import inception_score, inception_score_from_probs
from genai_keras.metrics.inputs import (
    FID_BIAS_SAMPLES,
    MIN_SAMPLES_FID,
    MIN_SAMPLES_KID,
    STANDARD_SAMPLES,
)
from genai_keras.metrics.kernel_distance import kid, kid_by_degree, kid_from_features
from genai_keras.metrics.manifold import knn_radii, precision_recall, precision_recall_from_features
from genai_keras.metrics.reference import (
    CACHE_ENV_VAR,
    _mnist_test_reference,  # noqa: F401 (tests clear its cache)
    cache_dir,
    mnist_test_features,
    mnist_test_statistics,
)

__all__ = [
    "CACHE_ENV_VAR",
    "CORRUPTIONS",
    "FID_BIAS_SAMPLES",
    "MIN_SAMPLES_FID",
    "MIN_SAMPLES_KID",
    "STANDARD_SAMPLES",
    "cache_dir",
    "corrupt",
    "evaluate_samples",
    "feature_statistics",
    "fid",
    "fid_from_features",
    "frechet_distance",
    "inception_score",
    "inception_score_from_probs",
    "kid",
    "kid_by_degree",
    "kid_from_features",
    "knn_radii",
    "mnist_test_features",
    "mnist_test_statistics",
    "precision_recall",
    "precision_recall_from_features",
    "psnr",
    "ssim",
]
