"""Checks on uploaded files, for any app (a billing logo, an invoice's attachments): what a
file is, read from its bytes, never from its name."""

from io import BytesIO

from django.core.exceptions import ValidationError
from PIL import Image

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


def image_format(content, max_pixels, types=IMAGE_TYPES):
    """The format of an image that decodes whole (so that using it later cannot fail)
    within `max_pixels`. Refused otherwise, with the code "format" (not one of `types`),
    "size" (too many pixels) or "damaged" (does not decode)."""
    try:
        with Image.open(BytesIO(content)) as image:
            kind = image.format
            width, height = image.size
            if kind not in types:
                raise ValidationError(f"Use {' or '.join(types)}.", code="format")
            if width * height > max_pixels:
                raise ValidationError(
                    f"Images are at most {max_pixels // 1_000_000} megapixels.", code="size"
                )
            image.load()
    except ValidationError:
        raise
    except Exception as error:  # Pillow's decoders raise many kinds on a damaged file
        code = "format" if isinstance(error, Image.UnidentifiedImageError) else "damaged"
        raise ValidationError("This image cannot be read.", code=code) from error
    return kind
