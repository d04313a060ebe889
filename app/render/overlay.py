"""Title, caption and small print drawn over the scene, for exports and presentation mode.

Text is sized by a scale (1 on an 800-pixel-high screen, height / 800 in an export) and
re-wrapped to the view's size before each frame, so the same overlay reads well in a 480x270
video, a 1280x720 image, a 4K print and a full-screen projector. Text never shrinks below a
readable size: in a small picture the caption keeps to a share of the height (its last line
ends in an ellipsis when even the smallest text is too long for it) and sits above the
footnote, which wraps.
"""

from __future__ import annotations

import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkTextActor

from app.fonts import wrap
from app.render.fonts import use_font
from app.render.labels import BOX_COLOR, MIN_LABEL_PX, LabelLayer, Rect

#: Points of each text at scale 1.
TITLE_PT = 26
CAPTION_PT = 17
SMALL_PT = 10
#: The smallest size of each (pixels), and the most of the view's height a caption takes.
MIN_TITLE_PX = 12
MIN_CAPTION_PX = MIN_LABEL_PX
MIN_SMALL_PX = 8
CAPTION_SHARE = 0.22
#: The footnote wraps at this share of the width: the legend may take the bottom right.
FOOTNOTE_WIDTH = 0.7
#: Mean advance of a character and a line's height, in font sizes (DejaVu Sans).
CHAR_EM = 0.52
LINE_EM = 1.25
#: The caption's box (the labels' colour, a little more see-through) and the footnote's
#: opacity; the tests check that white text reads on both at WCAG AA.
CAPTION_BOX_OPACITY = 0.78
FOOTNOTE_OPACITY = 0.85


class TextOverlay:
    """Up to three texts on a plotter: a title (top centre), a caption (bottom centre, in a
    box) and a footnote (bottom left: the attribution of an export, the step counter of a
    presentation)."""

    def __init__(self, plotter: pv.Plotter, scale: float = 1.0):
        self.renderer = plotter.renderer
        self.scale = scale
        self.title = self._actor((0.5, 0.975), "top", bold=True)
        self.caption = self._actor((0.5, 0.045), "bottom", box=True)
        self.footnote = self._actor((0.01, 0.008), "bottom-left", opacity=FOOTNOTE_OPACITY)
        self._texts = {"title": "", "caption": "", "footnote": ""}
        self._wrapped_for = (0, 0)
        self._labels: LabelLayer | None = None
        self._observer = self.renderer.AddObserver("StartEvent", self._wrap)
        self.set_scale(scale)

    def _actor(self, position: tuple[float, float], anchor: str, bold: bool = False,
               box: bool = False, opacity: float = 1.0) -> vtkTextActor:  # fmt: skip
        actor = vtkTextActor()
        actor.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
        actor.GetPositionCoordinate().SetValue(*position)
        prop = actor.GetTextProperty()
        prop.SetBold(bold)
        prop.SetColor(1.0, 1.0, 1.0)
        prop.SetOpacity(opacity)
        prop.SetShadow(not box)
        if box:
            prop.SetBackgroundColor(*BOX_COLOR)
            prop.SetBackgroundOpacity(CAPTION_BOX_OPACITY)
        if anchor.endswith("left"):
            prop.SetJustificationToLeft()
        else:
            prop.SetJustificationToCentered()
        if anchor.startswith("top"):
            prop.SetVerticalJustificationToTop()
        else:
            prop.SetVerticalJustificationToBottom()
        actor.PickableOff()
        actor.SetVisibility(False)
        self.renderer.AddViewProp(actor)
        return actor

    def set_scale(self, scale: float) -> None:
        self.scale = scale
        for actor, points, least in (
            (self.title, TITLE_PT, MIN_TITLE_PX),
            (self.caption, CAPTION_PT, MIN_CAPTION_PX),
            (self.footnote, SMALL_PT, MIN_SMALL_PX),
        ):
            actor.GetTextProperty().SetFontSize(max(least, round(points * scale)))
        self._wrapped_for = (0, 0)

    def set(self, title: str | None = None, caption: str | None = None, footnote: str | None = None) -> None:
        """Show these texts (None hides one)."""
        for name, actor, text in (
            ("title", self.title, title),
            ("caption", self.caption, caption),
            ("footnote", self.footnote, footnote),
        ):
            use_font(actor.GetTextProperty(), text or "", bold=actor is self.title)
            self._texts[name] = text or ""
            actor.SetInput(text or "")
            actor.SetVisibility(bool(text))
        self._wrapped_for = (0, 0)
        self._wrap()

    def _wrap(self, *_args: object) -> None:
        """Fit the texts to the view (only when its size changed): the title to 90% of its
        width (smaller first, then on two lines), the footnote to :data:`FOOTNOTE_WIDTH`,
        the caption to 80% and at most :data:`CAPTION_SHARE` of its height, just above the
        footnote."""
        width, height = (max(1, v) for v in self.renderer.GetSize())
        if (width, height) == self._wrapped_for:
            return
        self._wrapped_for = (width, height)
        title = self._texts["title"]
        prop = self.title.GetTextProperty()
        prop.SetFontSize(max(MIN_TITLE_PX, round(TITLE_PT * self.scale)))
        while len(title) * CHAR_EM * prop.GetFontSize() > 0.9 * width and prop.GetFontSize() > MIN_TITLE_PX:
            prop.SetFontSize(prop.GetFontSize() - 1)  # one line, smaller, before two lines
        self.title.SetInput("\n".join(_lines(title, 0.9 * width, self.title, 2)))
        notes = _parts(self._texts["footnote"], FOOTNOTE_WIDTH * width, self.footnote)
        self.footnote.SetInput("\n".join(notes))
        note_px = len(notes) * LINE_EM * self.footnote.GetTextProperty().GetFontSize()
        bottom = max(0.045, (note_px + 8 * self.scale) / height + 0.008)
        self.caption.GetPositionCoordinate().SetValue(0.5, bottom)
        text = self._texts["caption"]
        prop = self.caption.GetTextProperty()
        prop.SetFontSize(max(MIN_CAPTION_PX, round(CAPTION_PT * self.scale)))
        while True:  # smaller text, down to the least, until the caption fits its share
            size = prop.GetFontSize()
            most = max(1, int(CAPTION_SHARE * height / (LINE_EM * size)))
            lines = _lines(text, 0.8 * width, self.caption)
            if len(lines) <= most or size <= MIN_CAPTION_PX:
                break
            prop.SetFontSize(size - 1)
        self.caption.SetInput("\n".join(_lines(text, 0.8 * width, self.caption, most)))

    def rects(self) -> list[Rect]:
        """Screen rectangles (x0, y0, x1, y1 in pixels) of the texts shown, for labels to avoid."""
        self._wrap()
        pad = 4 * self.scale
        out = []
        for actor in (self.title, self.caption, self.footnote):
            if actor.GetVisibility() and actor.GetInput():
                box = [0.0, 0.0, 0.0, 0.0]
                actor.GetBoundingBox(self.renderer, box)  # relative to the text's anchor
                x, y = actor.GetPositionCoordinate().GetComputedDisplayValue(self.renderer)
                out.append((x + box[0] - pad, y + box[2] - pad, x + box[1] + pad, y + box[3] + pad))
        return out

    def make_room(self, labels: LabelLayer) -> None:
        """Keep ``labels`` clear of these texts (until :meth:`remove`)."""
        labels.keep_clear.append(self.rects)
        self._labels = labels

    def remove(self) -> None:
        for actor in (self.title, self.caption, self.footnote):
            self.renderer.RemoveViewProp(actor)
        if self._labels is not None:
            self._labels.keep_clear.remove(self.rects)
        self.renderer.RemoveObserver(self._observer)


def _lines(text: str, width_px: float, actor: vtkTextActor, most: int | None = None) -> list[str]:
    """``text`` wrapped to ``width_px`` at its actor's font size; at most ``most`` lines, the
    last ending in an ellipsis when some of the text did not fit."""
    if not text:
        return []
    columns = max(12, int(width_px / (CHAR_EM * actor.GetTextProperty().GetFontSize())))
    lines = wrap(text, columns)
    if most is not None and len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][: columns - 1].rstrip() + "…"
    return lines


def _parts(text: str, width_px: float, actor: vtkTextActor) -> list[str]:
    """A footnote's lines: its parts (joined by four spaces: a counter, a hint, the
    attribution) kept whole where they fit, side by side while the line has room."""
    lines: list[str] = []
    columns = max(12, int(width_px / (CHAR_EM * actor.GetTextProperty().GetFontSize())))
    for part in (p.strip() for p in text.split("    ") if p.strip()):
        if lines and len(lines[-1]) + 4 + len(part) <= columns:
            lines[-1] += "    " + part
        else:
            lines += _lines(part, width_px, actor)
    return lines
