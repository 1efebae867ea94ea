"""WCAG 2 contrast, written from the standard (not from lstm_viz), for the tests of what is shown:
colours are RGBA tuples of floats in [0, 1], laid over a white page."""

import re


def luminance(rgba):
    """Relative luminance of an RGBA colour laid over white."""
    *rgb, a = rgba
    linear = []
    for c in rgb:
        c = a * c + (1 - a)
        linear.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def over(top, bottom):
    """An RGBA colour laid over another (both over white): the opaque colour seen."""
    *rgb, a = top
    *under, b = bottom
    seen = [b * u + (1 - b) for u in under]
    return (*(a * c + (1 - a) * s for c, s in zip(rgb, seen, strict=True)), 1.0)


def contrast(a, b):
    """The contrast ratio of two colours, from 1 to 21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def css_colour(css):
    """A CSS 'rgb(r, g, b)' or 'rgba(r, g, b, a)' colour as an RGBA tuple."""
    values = [float(v) for v in re.findall(r"[\d.]+", css)]
    alpha = values[3] if len(values) > 3 else 1.0
    return (values[0] / 255, values[1] / 255, values[2] / 255, alpha)


WHITE = (1.0, 1.0, 1.0, 1.0)
