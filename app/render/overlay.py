"""Title, caption and small print drawn over the scene, for exports and presentation mode.

Text is sized by a scale (1 on an 800-pixel-high screen) and the caption is re-wrapped to the
view's width before each frame, so the same overlay reads well in a 1280x720 image, a 4K
print and a full-screen projector.
"""

from __future__ import annotations

import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkTextActor

from app.fonts import wrap
from app.render.fonts import use_font
from app.render.labels import BOX_COLOR, LabelLayer, Rect

#: Points of each text at scale 1.
TITLE_PT = 26
CAPTION_PT = 17
SMALL_PT = 10
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
        self._caption_text = ""
        self._wrapped_for = 0
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
        for actor, points in (
            (self.title, TITLE_PT),
            (self.caption, CAPTION_PT),
            (self.footnote, SMALL_PT),
        ):
            actor.GetTextProperty().SetFontSize(round(points * scale))
        self._wrapped_for = 0

    def set(self, title: str | None = None, caption: str | None = None, footnote: str | None = None) -> None:
        """Show these texts (None hides one)."""
        for actor, text in ((self.title, title), (self.footnote, footnote)):
            use_font(actor.GetTextProperty(), text or "", bold=actor is self.title)
            actor.SetInput(text or "")
            actor.SetVisibility(bool(text))
        use_font(self.caption.GetTextProperty(), caption or "")
        self._caption_text = caption or ""
        self.caption.SetVisibility(bool(caption))
        self._wrapped_for = 0
        self._wrap()

    def _wrap(self, *_args: object) -> None:
        """Wrap the caption to about 80% of the view's width (only when the width changed)."""
        width = self.renderer.GetSize()[0]
        if width == self._wrapped_for or not self._caption_text:
            return
        self._wrapped_for = width
        char_px = 0.52 * CAPTION_PT * self.scale  # mean advance of a proportional font
        columns = max(30, int(0.8 * max(width, 1) / char_px))
        self.caption.SetInput("\n".join(wrap(self._caption_text, columns)))

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
