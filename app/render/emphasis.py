"""Draw a selection's emphasis: outline, painted attachments, root levels, labels, legend.

The rules of what to emphasise live in :mod:`app.model.teaching`; this module only draws
an :class:`~app.model.teaching.Emphasis` on the plotter of a :class:`SceneRenderer`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pyvista as pv

from app.model.landmarks import Attachment
from app.model.teaching import SEE_THROUGH, Emphasis
from app.render.labels import Label, LabelLayer

if TYPE_CHECKING:
    from app.render.scene_renderer import SceneRenderer

SELECTION_COLOR = "#ffcf40"
ORIGIN_COLOR = "#e63946"
INSERTION_COLOR = "#2a9df4"
ROOT_LEVEL_COLOR = "#2ec4b6"
FOCUS_COLOR = "#ffffff"
#: How far a painted patch is lifted off its bone (mm), so it is never hidden by the bone.
PATCH_LIFT = 0.35


def attachment_patch(bone: pv.PolyData, attachment: Attachment) -> pv.PolyData:
    """The cells of ``bone`` covered by an attachment region, lifted along the normals."""
    region = np.asarray(attachment.points, dtype=float)
    _, nearest = _nearest(bone.points, region)
    ids = np.unique(nearest)
    patch = bone.extract_points(ids, adjacent_cells=False, include_cells=True).extract_surface(
        algorithm="dataset_surface"
    )
    if patch.n_cells == 0:  # too few vertices for a whole cell: take the touching cells
        patch = bone.extract_points(ids, adjacent_cells=True).extract_surface(algorithm="dataset_surface")
    patch = patch.compute_normals(auto_orient_normals=False, split_vertices=False)
    patch.points = patch.points + patch.point_normals * PATCH_LIFT
    return patch


def _nearest(points: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance and index of the nearest of ``points`` to each query (chunked brute force)."""
    best_d = np.empty(len(queries))
    best_i = np.empty(len(queries), dtype=int)
    for start in range(0, len(queries), 256):
        q = queries[start : start + 256]
        d = np.linalg.norm(points[None, :, :] - q[:, None, :], axis=2)
        best_i[start : start + 256] = d.argmin(axis=1)
        best_d[start : start + 256] = d.min(axis=1)
    return best_d, best_i


def structure_anchor(mesh: pv.PolyData) -> tuple[float, float, float]:
    """A point on a structure's surface near its middle, for its label's leader line."""
    centre = np.asarray(mesh.center)
    _, i = _nearest(np.asarray(mesh.points), centre[None, :])
    return tuple(float(c) for c in mesh.points[int(i[0])])  # type: ignore[return-value]


class EmphasisLayer:
    """Keeps the extra actors of the current emphasis on a scene renderer's plotter."""

    def __init__(self, scene_renderer: SceneRenderer):
        self.sr = scene_renderer
        self.plotter = scene_renderer.plotter
        self.labels = LabelLayer(self.plotter)
        self.patches: dict[Attachment, pv.Actor] = {}
        self.outline: pv.Actor | None = None
        self.legend_shown = False
        self._patch_cache: dict[Attachment, pv.PolyData] = {}
        self.current = Emphasis()

    def clear(self) -> None:
        for actor in self.patches.values():
            self.plotter.remove_actor(actor, render=False)
        self.patches = {}
        if self.outline is not None:
            self.plotter.remove_actor(self.outline, render=False)
            self.outline = None
        if self.legend_shown:
            self.plotter.remove_legend(render=False)
            self.legend_shown = False
        self.labels.set_labels([])

    def patch_mesh(self, attachment: Attachment) -> pv.PolyData:
        if attachment not in self._patch_cache:
            bone = self.sr.meshes[attachment.bone]
            self._patch_cache[attachment] = attachment_patch(bone, attachment)
        return self._patch_cache[attachment]

    def show(self, emphasis: Emphasis) -> None:
        """Replace the drawn emphasis with ``emphasis`` (the caller renders)."""
        self.clear()
        self.current = emphasis
        if emphasis.selected is None:
            return
        catalogue = self.sr.scene.catalogue
        selected = catalogue[emphasis.selected]
        mesh = self.sr.meshes[emphasis.selected]
        self.outline = (
            self.plotter.add_silhouette(mesh, color=SELECTION_COLOR, line_width=3.0, feature_angle=False)
            if hasattr(self.plotter, "add_silhouette")
            else None
        )
        if self.outline is not None:
            self.outline.SetPickable(False)
        labels = [Label(structure_anchor(mesh), selected.name, SELECTION_COLOR, bold=True)]
        for attachment in emphasis.attachments:
            color = ORIGIN_COLOR if attachment.role == "origin" else INSERTION_COLOR
            if emphasis.focus_attachment is not None and attachment == emphasis.focus_attachment:
                color = FOCUS_COLOR
            actor = self.plotter.add_mesh(
                self.patch_mesh(attachment),
                color=color,
                smooth_shading=True,
                ambient=0.35,
                pickable=False,
                reset_camera=False,
                render=False,
            )
            self.patches[attachment] = actor
        for name, group in _label_groups(emphasis.attachments, selected.kind.value == "muscle").items():
            anchor_points = np.vstack([np.asarray(a.points) for a in group])
            centre = anchor_points.mean(axis=0)
            _, i = _nearest(anchor_points, centre[None, :])
            role = group[0].role
            labels.append(
                Label(
                    tuple(anchor_points[int(i[0])]),
                    name,
                    ORIGIN_COLOR if role == "origin" else INSERTION_COLOR,
                )
            )
        for vertebra in emphasis.root_levels:
            level = vertebra.split("_")[1].upper()
            labels.append(
                Label(structure_anchor(self.sr.meshes[vertebra]), f"{level} root level", ROOT_LEVEL_COLOR)
            )
        self.labels.set_labels(labels[:12])
        entries = [[selected.name, SELECTION_COLOR]]
        roles = {a.role for a in emphasis.attachments}
        if "origin" in roles:
            entries.append(["Origin", ORIGIN_COLOR])
        if "insertion" in roles:
            entries.append(["Insertion", INSERTION_COLOR])
        if emphasis.root_levels:
            entries.append(["Nerve root levels", ROOT_LEVEL_COLOR])
        self.plotter.add_legend(
            entries,
            bcolor=(0.08, 0.09, 0.12),
            border=True,
            loc="lower right",
            size=(0.2, 0.04 * len(entries) + 0.02),
            face="rectangle",
        )
        self.legend_shown = True

    def structure_color(self, structure_id: str) -> str:
        """The colour a structure's own actor takes under the current emphasis."""
        if structure_id == self.current.selected:
            return SELECTION_COLOR
        if structure_id in self.current.root_levels:
            return ROOT_LEVEL_COLOR
        return self.sr.scene.catalogue[structure_id].color

    def structure_opacity(self, structure_id: str) -> float:
        opacity = self.sr.scene.opacity(structure_id)
        if structure_id in self.current.see_through:
            return min(opacity, SEE_THROUGH)
        return opacity

    def structure_visible(self, structure_id: str) -> bool:
        return self.sr.scene.is_visible(structure_id) or structure_id in self.current.reveal


_LEVEL = re.compile(r"^((?:T12|L[1-5]|S1)(?:/(?:T12|L[1-5]|S1))?)\s+(.*)$")


def _label_groups(attachments: tuple[Attachment, ...], by_site: bool) -> dict[str, list[Attachment]]:
    """One label per kind of site: a muscle's slips are grouped ("Discs T12/L1, L1/L2, ...");
    a bone's attachments are labelled by muscle and role."""
    groups: dict[str, list[Attachment]] = {}
    levels: dict[str, list[str]] = {}
    for a in attachments:
        if by_site:
            match = _LEVEL.match(a.name)
            key = match.group(2) if match else a.name
            if match:
                levels.setdefault(key, []).append(match.group(1))
        else:
            muscle = a.muscle.replace("_left", "").replace("_right", "").replace("_", " ")
            key = f"{muscle.capitalize()} ({a.role})"
        groups.setdefault(key, []).append(a)
    named = {}
    for key, group in groups.items():
        if key in levels:
            plural = {"body": "Bodies", "disc": "Discs", "transverse process": "Transverse processes"}
            named[f"{plural.get(key, key.capitalize())} {', '.join(dict.fromkeys(levels[key]))}"] = group
        else:
            named[key] = group
    return named
