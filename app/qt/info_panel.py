"""The panel that explains the selected structure: names, facts with sources, attachments."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QTextBrowser

from app.model.anatomy.content import Clinical, Fact, Library, Misconception
from app.model.anatomy.structures import Kind, Structure
from app.model.scene.state import Aspect, SceneModel

SECTIONS: dict[Kind, tuple[tuple[str, str], ...]] = {
    Kind.muscle: (("origin", "Origin"), ("insertion", "Insertion"), ("action", "Action"),
                  ("innervation", "Nerve supply")),
    Kind.nerve: (("course", "Course"), ("supplies", "Supplies")),
    Kind.bone: (("features", "Features that matter here"),),
    Kind.disc: (("features", "Features that matter here"),),
    Kind.ligament: (("features", "Features"),),
}  # fmt: skip

WELCOME = """<h2>Psoas Atlas</h2>
<p>Click a structure in the 3D view or in the list to see what it is and why it matters.</p>
<ul><li>Left drag rotates; a click without dragging selects.</li>
<li>Type a name in the search box (English or Latin, typos forgiven).</li>
<li><b>H</b> hides the selection, <b>I</b> isolates it, <b>X</b> shows bones as X-ray,
<b>F1</b> lists every shortcut.</li></ul>"""
#: Shown while a quiz question waits: the selection's notes would give the answer away.
WITHHELD = "<h2>Quiz</h2><p>The notes come back once the question is answered.</p>"


class Citations:
    """Numbers sources in order of first citation, for superscripts and the list at the end."""

    def __init__(self, library: Library):
        self.library = library
        self.order: list[str] = []

    def mark(self, keys: tuple[str, ...]) -> str:
        numbers = []
        for key in keys:
            if key not in self.order:
                self.order.append(key)
            numbers.append(str(self.order.index(key) + 1))
        return f"<sup>[{', '.join(numbers)}]</sup>"

    def html(self) -> str:
        items = "".join(f"<li>{escape(self.library.sources.get(k, k))}</li>" for k in self.order)
        return f"<h3>Sources</h3><ol class='sources'>{items}</ol>" if items else ""


def structure_html(scene: SceneModel, library: Library, structure: Structure) -> str:
    """The panel's HTML for one structure."""
    cite = Citations(library)
    parts = [f"<h2>{escape(structure.name)}</h2>"]
    meta = [f"<i>{escape(structure.latin)}</i>", structure.kind.value]
    if structure.variant:
        meta.append("<b>variant</b> (absent in part of the population)")
    parts.append(f"<p class='meta'>{' · '.join(meta)}</p>")
    if structure.roots:
        parts.append(f"<p><b>Roots:</b> {', '.join(structure.roots)}</p>")
    entry = library.entry_for(structure.id)
    if entry is None:
        parts.append("<p><i>No teaching notes for this structure yet.</i></p>")
    else:
        parts.append(f"<p>{escape(entry.summary.text)}{cite.mark(entry.summary.sources)}</p>")
        for field, title in SECTIONS[structure.kind]:
            facts: tuple[Fact, ...] = getattr(entry, field)
            if facts:
                items = "".join(f"<li>{escape(f.text)}{cite.mark(f.sources)}</li>" for f in facts)
                parts.append(f"<h3>{title}</h3><ul>{items}</ul>")
    parts.append(_attachments_html(scene, structure))
    if entry is not None:
        if entry.clinical:
            parts.append("<h3>Clinical points</h3>")
            for c in entry.clinical:
                parts.append(_clinical(c, cite))
        if entry.misconceptions:
            parts.append("<h3>Common misconceptions</h3>")
            for m in entry.misconceptions:
                parts.append(_misconception(m, cite))
    parts.append(cite.html())
    return "".join(parts)


def _clinical(c: Clinical, cite: Citations) -> str:
    return f"<p><b>{escape(c.title)}.</b> {escape(c.text)}{cite.mark(c.sources)}</p>"


def _misconception(m: Misconception, cite: Citations) -> str:
    return (
        f"<p><b>Myth:</b> <i>{escape(m.claim)}</i><br><b>In fact:</b> {escape(m.correction)}"
        f"{cite.mark(m.sources)}</p>"
    )


def _attachments_html(scene: SceneModel, structure: Structure) -> str:
    painted = scene.emphasis.attachments
    if not painted:
        return ""
    is_muscle = structure.kind is Kind.muscle
    title = "Attachments (painted on the bones)" if is_muscle else "What attaches here"
    rows = []
    for index, a in enumerate(painted):
        other = a.bone if is_muscle else a.muscle
        other_name = scene.catalogue[other].name if other in scene.catalogue else other
        colour = "#e63946" if a.role == "origin" else "#2a9df4"
        rows.append(
            f"<li><span style='color:{colour}'>&#9632;</span> <a href='focus:{index}'>{escape(a.name)}</a>"
            f" — {a.role} of <a href='select:{a.muscle}'>{escape(scene.catalogue[a.muscle].name)}</a>"
            + (f" on <a href='select:{other}'>{escape(other_name)}</a>" if is_muscle else "")
            + "</li>"
        )
    return f"<h3>{title}</h3><ul>{''.join(rows)}</ul>"


class InfoPanel(QTextBrowser):
    """Shows the selection's teaching content; links select structures or single out a site."""

    def __init__(self, scene: SceneModel, library: Library, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.library = library
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.document().setDefaultStyleSheet(
            "h2 { margin-bottom: 2px; } h3 { margin-top: 10px; margin-bottom: 2px; color: #8a5a00; }"
            " p.meta { color: #555; } sup { color: #666; } ol.sources { font-size: small; }"
        )
        self.anchorClicked.connect(self._on_link)
        scene.changed.connect(self._on_changed)
        self.withheld = False
        self._refresh()

    def withhold(self, on: bool) -> None:
        """Name nothing while a quiz question waits (the notes would give the answer)."""
        self.withheld = on
        self._refresh()

    def _on_changed(self, aspects: Aspect) -> None:
        if Aspect.selection in aspects:
            self._refresh()

    def _refresh(self) -> None:
        selected = self.scene.selected
        same = selected is not None and selected == getattr(self, "_shown", None)
        scroll = self.verticalScrollBar().value()
        if self.withheld:
            self.setHtml(WITHHELD)
            self._shown = None
            return
        if selected is None:
            self.setHtml(WELCOME)
        else:
            self.setHtml(structure_html(self.scene, self.library, self.scene.catalogue[selected]))
        if same:  # a site singled out: keep the reader's place
            self.verticalScrollBar().setValue(scroll)
        self._shown = selected

    def _on_link(self, url: QUrl) -> None:
        target = url.toString()
        kind, _, value = target.partition(":")
        if kind == "select" and value in self.scene.catalogue:
            self.scene.select(value)
        elif kind == "focus":
            painted = self.scene.emphasis.attachments
            index = int(value)
            if 0 <= index < len(painted):
                self.scene.focus_attachment(painted[index])
