"""The floor, chair and examination table the body rests on, drawn plainly as context.

Where they go is the model's (:meth:`app.model.motion.kinematics.Rig.placement`): each prop
is a few boxes in the room's frame. They are shown with the context skeleton (the legs and
trunk that rest on them) once the body leaves the anatomical position (a pose or a posture:
standing neutral is the atlas' rest, drawn on its own), never picked, and left out of what
the standard views frame. The floor is see-through, so it takes the picture's ground: dark
on screen, light on a handout.
"""

from __future__ import annotations

import pyvista as pv

from app.model.anatomy.structures import Group
from app.model.motion.posture import Prop

#: Flat, light, matte: furniture reads as furniture and stays behind the anatomy.
COLOURS = {"floor": "#8a94a3", "table": "#9aa3ad", "chair": "#a08c74"}
OPACITY = {"floor": 0.45}


def prop_mesh(prop: Prop) -> pv.PolyData:
    """One surface for a prop's boxes."""
    boxes = [pv.Box(bounds=(lo[0], hi[0], lo[1], hi[1], lo[2], hi[2])) for lo, hi in prop.boxes]
    return boxes[0].append_polydata(*boxes[1:]).triangulate() if len(boxes) > 1 else boxes[0].triangulate()


class PropLayer:
    """Keeps one actor per prop in step with the scene's pose and the context's visibility."""

    def __init__(self, renderer):
        self.sr = renderer
        self.actors: dict[str, pv.Actor] = {}
        self._drawn: dict[str, Prop] = {}

    def shown(self) -> bool:
        """Props are context: shown out of the anatomical position, while any bone of the
        context skeleton is."""
        scene = self.sr.scene
        if scene.pose.neutral:
            return False
        return any(s.group is Group.context and scene.shown(s.id) for s in scene.catalogue)

    def update(self) -> None:
        body = self.sr.scene.body
        if body is None:
            return
        props = {p.name: p for p in body.rig.placement(self.sr.scene.pose).props} if self.shown() else {}
        for name in [n for n in self.actors if n not in props]:
            self.sr.plotter.remove_actor(self.actors.pop(name), render=False)
            self._drawn.pop(name, None)
        for name, prop in props.items():
            if self._drawn.get(name) == prop:
                continue
            mesh = prop_mesh(prop)
            actor = self.actors.get(name)
            if actor is None:
                actor = self.sr.plotter.add_mesh(
                    mesh,
                    color=COLOURS.get(name, "#8a8f98"),
                    opacity=OPACITY.get(name, 1.0),
                    ambient=0.25,
                    diffuse=0.7,
                    specular=0.05,
                    pickable=False,
                    reset_camera=False,
                    render=False,
                    name=f"prop:{name}",
                )
                actor.pickable = False
                self.actors[name] = actor
            else:
                actor.mapper.SetInputData(mesh)
            self._drawn[name] = prop
