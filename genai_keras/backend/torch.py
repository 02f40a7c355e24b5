"""PyTorch implementations of :mod:`genai_keras.backend` (``torch.autograd``)."""

from __future__ import annotations

import torch


def minimize(optimizer, variables, loss_fn):
    loss, aux = loss_fn()
    # autograd.grad (not backward) fills no .grad fields, so the other network's
    # parameters collect nothing from this loss.
    grads = torch.autograd.grad(loss, [v.value for v in variables], allow_unused=True)
    grads = [
        torch.zeros_like(v.value) if g is None else g for g, v in zip(grads, variables, strict=True)
    ]
    with torch.no_grad():
        optimizer.apply(grads, variables)
    return loss.detach(), aux


def input_gradient(fn, x):
    x = (
        x.detach().requires_grad_(True)
        if torch.is_tensor(x)
        else torch.as_tensor(x).requires_grad_(True)
    )
    with torch.enable_grad():
        total = torch.sum(fn(x))
        (grad,) = torch.autograd.grad(total, x, create_graph=True)
    return grad


def train_step(model, step, data):
    del model
    return step(data)


def compile_function(fn, variables=None):
    del variables  # PyTorch runs fn eagerly
    return fn


# ---------------------------------------------------------------- several devices
def list_devices():
    if torch.cuda.is_available():
        return [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    return ["cpu"]


def scale_loss_for_replicas(loss):
    return loss


def draw_for_replica(draw, shape):
    return draw(shape)


# ---------------------------------------------------------------- the machine
def framework_version():
    return torch.__version__


def gpu_names():
    return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
