"""The chosen font files (:mod:`app.fonts`) handed to VTK text and to matplotlib."""

from __future__ import annotations

from typing import Any

from vtkmodules.vtkCommonCore import VTK_FONT_FILE

from app.fonts import font_for


def use_font(text_property: Any, text: str, bold: bool = False) -> None:
    """Make a ``vtkTextProperty`` draw ``text`` in :func:`font_for` (call it when the text is set).

    VTK ignores ``SetBold`` for a font file: boldness comes from the file chosen.
    """
    font = font_for(text, bold)
    if font.path.is_file():
        text_property.SetFontFamily(VTK_FONT_FILE)
        text_property.SetFontFile(str(font.path))
    else:  # no DejaVu Sans anywhere: VTK's own font, which has Latin
        text_property.SetFontFamilyToArial()


def matplotlib_font(text: str, bold: bool = False) -> Any:
    """A matplotlib ``FontProperties`` for ``text`` (pass as ``fontproperties``; a ``fontsize``
    given beside it still applies)."""
    from matplotlib.font_manager import FontProperties

    font = font_for(text, bold)
    if not font.path.is_file():
        return FontProperties(family="sans-serif", weight="bold" if bold else "normal")
    return FontProperties(fname=font.path)
