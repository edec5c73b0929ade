"""Errors only the issuer service raises, extending the one hierarchy (see issuer/errors.py).

vc.errors.RangeValueError
└── UploadTooLargeError     upload-too-large   413  a batch source over config.max_upload_bytes
"""

from __future__ import annotations

from issuer.errors import PROBLEMS
from vc.errors import RangeValueError


class UploadTooLargeError(RangeValueError):
    problem_type = PROBLEMS + "upload-too-large"
    status = 413
    title = "Upload too large"
