"""Keep the converters' console noise (TensorFlow / absl start-up logs, torchao's "Failed to load" lines,
torch.export deprecation chatter, the LiteRT delegate banner) out of ``finlite export`` unless ``--verbose``.

Much of it is written by C++ straight to file descriptor 2, so :func:`converter_output` points descriptor 2 at a
temporary file while the converters run. Nothing is lost: when the export fails with an error that is not
finlite's own one-line error, the captured text is written to stderr before the error propagates.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import warnings
from typing import Iterator

from ..errors import FinliteError


@contextlib.contextmanager
def converter_output(verbose: bool) -> Iterator[None]:
    """Silence descriptor 2 and Python warnings for the block unless ``verbose``."""
    if verbose:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        os.dup2(captured.fileno(), 2)
        try:
            yield
        except BaseException as err:
            if not isinstance(err, FinliteError):
                sys.stderr.flush()
                os.dup2(saved, 2)
                captured.seek(0)
                sys.stderr.write(captured.read().decode("utf-8", "replace"))
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
