"""What people hand the verifier (pasted text, a file, a QR image, a link) turned into a credential.

Shared by the web pages and the CLI. The only I/O is through the injected Fetcher (the safe one in
the shells). A share URL is what an issuer's QR code points at through the verifier
(``<verifier>/verify?url=<share URL>``); asked for JSON, it returns the credential itself.

Errors: ParsingError for content that is neither a JSON object nor a compact JWT, or an image
without a readable QR code (an upload's message says what to upload instead); UnsafeUrlError for a
refused link; for a link that could not be opened, the share-link errors below, with their own
problem types (a share link is not a status list, whose retrieval error FetchError carries):

    vc.errors.FetchError
    └── ShareLinkError        urn:diplomat:problem:share-link-unreachable  502  no answer, 5xx, ...
        └── ShareLinkGoneError urn:diplomat:problem:share-link-gone        422  the issuer said 404/410
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vc import strictjson
from vc.errors import FetchError, ParsingError, UnsafeUrlError
from vc.fetch import Fetcher
from vc.jose import looks_like_jwt
from vc.message import English, Message, english
from verifier.pdfinput import is_pdf, read_pdf

SHARE_ACCEPT = "application/json"
MAX_IMAGE_PIXELS = 25_000_000  # 5000 x 5000: plenty for a photographed QR code
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
# What an upload may be, said whenever an upload is not one of them.
UPLOAD_HINT = Message(
    "Upload the credential file the graduate received (.json), a VC-JWT (.jwt), the diploma PDF "
    "with its credential attached, or a photo or screenshot of the diploma's QR code (PNG or JPEG)."
)
GONE_STATUSES = frozenset({404, 410})


class ShareLinkError(FetchError):
    """A share link could not be opened (no answer, a timeout, a server error)."""

    problem_type = "urn:diplomat:problem:share-link-unreachable"
    code = -128
    status = 502
    title = "The link could not be opened"


class ShareLinkGoneError(ShareLinkError):
    """The issuer answered that the shared credential is not there (HTTP 404 or 410)."""

    problem_type = "urn:diplomat:problem:share-link-gone"
    status = 422
    title = "The link no longer works"


LINK_GONE = Message("the link no longer works (the graduate or issuer may have withdrawn it)")


@dataclass(frozen=True)
class Intake:
    """A credential ready for ``verify_credential`` and where it came from."""

    credential: Mapping[str, Any] | str
    source_url: str | None = None
    via: str = "paste"  # paste | file | qr | link | pdf
    printed: str | None = None  # a PDF's printed text (via "pdf"), to compare with the credential

    @property
    def text(self) -> str:
        """The credential as text (to re-submit it for another destination country)."""
        if isinstance(self.credential, str):
            return self.credential
        return strictjson.dumps(dict(self.credential))


def is_image(data: bytes) -> bool:
    return data.startswith(_PNG) or data.startswith(_JPEG)


def parse_credential(data: bytes | str) -> Mapping[str, Any] | str:
    """A JSON object (JSON-LD credential) or a compact JWT (VC-JWT), else ParsingError."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParsingError(
                Message("the credential is not UTF-8 text (byte %(byte)s)", byte=exc.start)
            ) from exc
    text = data.strip().lstrip("\ufeff")
    if not text:
        raise ParsingError(Message("nothing to verify: the credential is empty"))
    if looks_like_jwt(text):
        return text
    value = strictjson.loads(text)
    if not isinstance(value, dict):
        raise ParsingError(
            Message(
                "a credential is a JSON object (or a VC-JWT), not a JSON value of type %(type)s",
                type=type(value).__name__,
            )
        )
    return value


def parse_attached(data: bytes) -> Mapping[str, Any] | str:
    """The credential attached to a PDF; ParsingError saying it was the attachment."""
    try:
        return parse_credential(data)
    except ParsingError as exc:
        raise ParsingError(f"the PDF's attached credential is not readable: {exc.detail}") from exc


def share_url_of(text: str) -> str | None:
    """The share URL in ``text``: the ``url=`` parameter of a verifier link, or the link itself.
    None when ``text`` is not an http(s) URL. Raises UnsafeUrlError for a malformed one."""
    candidate = text.strip()
    if not candidate.lower().startswith(("https://", "http://")) or any(
        ch.isspace() for ch in candidate
    ):
        return None
    try:
        inner = parse_qs(urlsplit(candidate).query).get("url")
    except ValueError as exc:  # urlsplit: "Invalid IPv6 URL" and the like
        raise UnsafeUrlError(
            Message("the link is not a valid URL (%(reason)s)", reason=English(str(exc)))
        ) from exc
    if inner and inner[0].lower().startswith(("https://", "http://")):
        return inner[0]
    return candidate


def fetch_shared(url: str, fetcher: Fetcher) -> Intake:
    """Fetch a share URL (asking for JSON) and parse the credential it returns."""
    if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
        raise UnsafeUrlError(Message("a share link must be an https:// URL"))
    try:
        result = fetcher(url, accept=SHARE_ACCEPT)
    except UnsafeUrlError:
        raise
    except FetchError as exc:
        if exc.http_status in GONE_STATUSES:
            raise ShareLinkGoneError(
                Message(
                    "%(gone)s: %(url)s answered HTTP %(status)s",
                    gone=LINK_GONE,
                    url=url,
                    status=exc.http_status,
                ),
                http_status=exc.http_status,
            ) from exc
        raise ShareLinkError(
            Message(
                "the link could not be opened, try again later: %(detail)s",
                detail=english(exc.detail),
            ),
            http_status=exc.http_status,
        ) from exc
    if result.content_type == "text/html":
        raise ParsingError(
            Message(
                "%(url)s returned a web page, not a credential (the issuer's share link should "
                "return JSON when asked for application/json)",
                url=url,
            )
        )
    return Intake(parse_credential(result.body), source_url=url, via="link")


def decode_qr(image: bytes) -> str:
    """The text of the first QR code in a PNG or JPEG image; ParsingError when there is none."""
    from PIL import Image, UnidentifiedImageError  # the shells' dependency, loaded on demand

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(image))
            width, height = picture.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ParsingError(
                    Message(
                        "the image is too large (%(width)sx%(height)s pixels); crop it to the QR "
                        "code",
                        width=width,
                        height=height,
                    )
                )
            picture.load()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise ParsingError(
            Message(
                "the file is not a readable PNG or JPEG image (%(reason)s)",
                reason=English(str(exc)),
            )
        ) from exc
    import zxingcpp

    try:
        found = zxingcpp.read_barcodes(picture)
    except (RuntimeError, ValueError, TypeError) as exc:
        raise ParsingError(
            Message(
                "the image could not be scanned for a QR code (%(reason)s)",
                reason=English(str(exc)),
            )
        ) from exc
    texts = [code.text for code in found if code.text and "QR" in str(code.format)]
    if not texts:
        raise ParsingError(
            Message(
                "no QR code was found in the image: upload a sharp picture of the diploma's QR "
                "code, or paste the link printed under it"
            )
        )
    return str(texts[0])


def from_text(text: str, fetcher: Fetcher, *, via: str = "paste") -> Intake:
    """Pasted or scanned text: a link (verifier or share URL) is fetched, a credential parsed."""
    url = share_url_of(text)
    if url is not None:
        intake = fetch_shared(url, fetcher)
        return Intake(intake.credential, source_url=url, via=via)
    return Intake(parse_credential(text), via=via)


def from_upload(data: bytes, fetcher: Fetcher) -> Intake:
    """An uploaded file: a QR image (its text is then followed), a diploma PDF (its attached
    credential), or a JSON / JWT credential."""
    if not data:
        raise ParsingError(Message("the uploaded file is empty. %(hint)s", hint=UPLOAD_HINT))
    if is_image(data):
        return from_text(decode_qr(data), fetcher, via="qr")
    if is_pdf(data):
        # A diploma PDF: the credential attached to it is what is verified (verifier.pdfinput).
        attached = read_pdf(data)
        return Intake(parse_attached(attached.content), via="pdf", printed=attached.printed)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParsingError(
            Message(
                "the file is neither a credential (JSON or VC-JWT text) nor a PNG/JPEG image of "
                "a QR code. %(hint)s",
                hint=UPLOAD_HINT,
            )
        ) from exc
    try:
        return from_text(text, fetcher, via="file")
    except ParsingError as exc:
        if share_url_of(text) is not None:
            raise  # a link in the file: its own message says what went wrong with the link
        raise ParsingError(
            Message(
                "the file is not a credential (%(detail)s). %(hint)s",
                detail=english(exc.detail),
                hint=UPLOAD_HINT,
            )
        ) from exc


__all__ = [
    "GONE_STATUSES",
    "LINK_GONE",
    "UPLOAD_HINT",
    "Intake",
    "ShareLinkError",
    "ShareLinkGoneError",
    "decode_qr",
    "fetch_shared",
    "from_text",
    "from_upload",
    "is_image",
    "parse_credential",
    "share_url_of",
]
