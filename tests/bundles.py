"""Reading a shared case's files in tests: the text, with its embedded images apart.

Base64 text is random letters: a name of four letters turns up by chance in the base64 of a
300 kB chart about one time in fifty. Tests that search a bundle for names search the text
with the images cut out, and the images decoded (where a name written into the image's own
text fields would show).
"""

from __future__ import annotations

import base64
import re

BASE64_PNG = re.compile(rb"(data:image/png;base64,|\"image/png\": \")([A-Za-z0-9+/=]+)")


def images_apart(data: bytes) -> tuple[bytes, list[bytes]]:
    """``data`` with every base64 PNG replaced by ``(image)``, and those images decoded.

    >>> text, images = images_apart(b'<img src="data:image/png;base64,iVBORw0K">')
    >>> text, images
    (b'<img src="data:image/png;base64,(image)">', [b'\\x89PNG\\r\\n'])
    """
    images = [base64.b64decode(match.group(2)) for match in BASE64_PNG.finditer(data)]
    return BASE64_PNG.sub(rb"\1(image)", data), images
