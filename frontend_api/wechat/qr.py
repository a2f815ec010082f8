"""QR codes for pages: an inline SVG string (no image files, no JavaScript)."""

import qrcode
import qrcode.image.svg


def qr_svg(data: str) -> str:
    """An <svg> element of `data`, scalable to any size by CSS (print pages make it big)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    # Drop the XML declaration so the markup can sit inside HTML.
    return svg[svg.index("<svg"):]
