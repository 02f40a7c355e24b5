"""Time the sample-quality metrics on 10,000 images; write benchmarks/results/metrics.json.

Run from the repository root (under the CPU lock, so timings are honest):

    env GENAI_KERAS_DATA=../shared/data \\
        python benchmarks/metrics.py

The "generated" images are stand-ins with known quality: 10,000 real training digits
(should score like the test set), and the same digits blurred (sigma 1 pixel). Timed:
loading the feature network, the MNIST test reference (features without the file
cache, i.e. the cold cost), and ``evaluate_samples`` (all metrics: FID, KID with 100
subsets of 1,000, IS with 10 splits, precision/recall with k = 3) cold and warm.
Used in chapter 04.
"""

from __future__ import annotations

import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


from _results import write_result

import genai_keras as gk
from genai_keras import metrics


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def main() -> int:
    t0 = time.perf_counter()
    net, t_load = _timed(gk.feature_net.load_feature_net)
    train, _ = gk.data.load_mnist("train", limit=10000)
    blurred = metrics.corrupt(train, "blur", 1.0)

    _, t_ref = _timed(metrics.mnist_test_features, use_file_cache=False)
    _, t_feats_first = _timed(net.features_and_probs, train)  # includes compilation
    _, t_feats = _timed(net.features_and_probs, train)
    res_cold, t_eval_cold = _timed(metrics.evaluate_samples, train)  # reference stats, radii
    res_warm, t_eval_warm = _timed(metrics.evaluate_samples, train)
    res_blur, t_eval_blur = _timed(metrics.evaluate_samples, blurred)

    fake_feats, probs = net.features_and_probs(train)
    real_feats = metrics.mnist_test_features()[0]
    _, t_fid = _timed(metrics.fid_from_features, real_feats, fake_feats)
    _, t_kid = _timed(metrics.kid_from_features, real_feats, fake_feats)
    _, t_is = _timed(metrics.inception_score_from_probs, probs)
    _, t_pr = _timed(metrics.precision_recall_from_features, real_feats, fake_feats)

    def rounded(d):
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()}

    result = {
        "command": "python benchmarks/metrics.py",
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "num_generated": 10000,
        "num_real": 10000,
        "feature_net_sha256": net.weights_sha256,
        "seconds": {
            "load_feature_net": round(t_load, 3),
            "mnist_test_reference_features_uncached": round(t_ref, 3),
            "features_10k_first_call": round(t_feats_first, 3),
            "features_10k": round(t_feats, 3),
            "evaluate_samples_10k_first_call": round(t_eval_cold, 3),
            "evaluate_samples_10k": round(t_eval_warm, 3),
            "evaluate_samples_10k_blurred": round(t_eval_blur, 3),
            "fid_from_features": round(t_fid, 3),
            "kid_from_features_100x1000": round(t_kid, 3),
            "inception_score_from_probs": round(t_is, 3),
            "precision_recall_from_features_k3": round(t_pr, 3),
            "whole_script": round(time.perf_counter() - t0, 3),
        },
        "scores": {
            "train_10k_vs_test": rounded(res_warm),
            "train_10k_blurred_sigma1_vs_test": rounded(res_blur),
        },
    }
    assert res_cold["fid"] == res_warm["fid"]
    write_result("metrics", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
