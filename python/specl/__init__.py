"""specl from Python: a thin ctypes binding over libspecl.so (the C library computes, this converts).

    import specl
    r = specl.theory(W, partition=labels, k=4)          # what `specl theory --json` reports
    v, g1, g2 = specl.lambda_loss(z1, z2, lam=1.0)       # value and gradients, NumPy in and out
    phi = specl.whitened_alignment(za, zb)               # the quantity behind phi_m
    run = specl.Run("runs/mine")                         # config, metrics, results, weights
    import specl.torch                                    # LambdaLoss, Spectral2021Loss (nn.Module)

The library is found through $SPECL_LIB, else build/libspecl.so of the source tree, else the system
loader; specl.__version__ is the library's version. Every error is a specl.Error (a ValueError).
"""
from ._core import LossResult, lambda_loss, spectral2021_loss, theory, whitened_alignment
from ._lib import Error
from .run import Run

__all__ = ["Error", "LossResult", "Run", "lambda_loss", "spectral2021_loss", "theory", "whitened_alignment"]


def __getattr__(name):
    if name == "__version__":
        from ._lib import lib
        return lib().specl_version().decode()
    if name == "library_path":
        from ._lib import lib
        return lib().specl_path
    if name == "torch":   # `specl.torch` after a plain `import specl`
        import importlib
        return importlib.import_module(".torch", __name__)
    raise AttributeError(f"module 'specl' has no attribute {name!r}")
