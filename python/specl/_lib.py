"""Finding and loading libspecl.so, and turning its status codes into exceptions.

The library is looked up, in order: the path in $SPECL_LIB; build/libspecl.so of the source tree
this package sits in (python/specl/ -> ../../build/); the system loader ("libspecl.so" on
LD_LIBRARY_PATH or in the linker cache). It is loaded on first use, so `import specl` never fails
on a missing library: the first call raises specl.Error naming every place that was tried.
"""
import ctypes
import os
import threading

_HERE = os.path.dirname(os.path.abspath(__file__))
_lock = threading.Lock()
_lib = None


class Error(ValueError):
    """A specl error: bad input, or a failure of the C library; the message is the library's one line."""


def _candidates():
    env = os.environ.get("SPECL_LIB")
    if env:
        return [env]   # an explicit choice: no silent fallback to another build
    return [os.path.normpath(os.path.join(_HERE, "..", "..", "build", "libspecl.so")), "libspecl.so"]


def _declare(lib):
    c = ctypes
    i64, dbl, vp = c.c_int64, c.c_double, c.c_void_p
    P = c.POINTER
    sig = {
        "specl_version": (c.c_char_p, []),
        "specl_strerror": (c.c_char_p, [c.c_int]),
        "specl_error_detail": (c.c_char_p, []),
        "specl_error_clear": (None, []),
        "specl_ffi_free": (None, [vp]),
        "specl_theory_json": (c.c_int, [i64, vp, i64, vp, vp, vp, vp, i64, vp, i64, i64, i64, dbl, c.c_int,
                                        P(c.c_void_p)]),
        "specl_loss_pair": (c.c_int, [c.c_int, dbl, c.c_int, c.c_int, dbl, c.c_int, i64, i64, vp, vp, vp, vp,
                                      P(dbl)]),
        "specl_whitened_alignment_pairs": (c.c_int, [c.c_int, i64, i64, vp, vp, vp, P(dbl)]),
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    return lib


def lib():
    """The loaded library (loads it on first use); specl.Error if it cannot be found or loaded."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            tried = []
            for path in _candidates():
                try:
                    _lib = _declare(ctypes.CDLL(path))
                    _lib.specl_path = path
                    break
                except OSError as e:
                    tried.append(f"{path} ({e})")
                except AttributeError as e:
                    tried.append(f"{path} (not a libspecl with specl/ffi.h: {e})")
            if _lib is None:
                raise Error("cannot load libspecl.so: tried " + "; ".join(tried)
                            + ". Build it with `make` in the specl source tree, or set SPECL_LIB to its path")
    return _lib


def check(status):
    """Raise specl.Error with the library's message for a non-zero status."""
    if status:
        L = lib()
        detail = (L.specl_error_detail() or b"").decode("utf-8", "replace")
        raise Error(detail or L.specl_strerror(status).decode())


def call(fname, *args):
    L = lib()
    L.specl_error_clear()
    check(getattr(L, fname)(*args))


Error.__module__ = "specl"   # shown as specl.Error in tracebacks
