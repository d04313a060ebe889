"""Where the body is: the posture a pose is taken in turns the whole body in the room and puts
the floor, a chair or an examination table under it, where its lowest bones rest.

The joint angles say how the body is bent; the posture says which way up it is and what it
rests on. The body keeps its place (the middle of the hip joint centres stays at the origin,
so the camera keeps what it looks at) and the props come to it:

- ``standing``: upright, the lower foot on the floor;
- ``sitting``: upright, the buttocks and thighs on a chair's seat, the feet on the floor (the
  seat is as high as the legs make it);
- ``rising``: upright, on the feet, rising from a chair that stays where it stood: the chair
  the body sits on with its thighs level and its shanks upright (:data:`CHAIR_POSE`, a chair
  at knee height), moved with the feet (the body keeps its place, the room comes to it);
- ``kneeling``: upright and pitched so that both legs reach the floor (a knee and a foot, in
  the kneeling lunge);
- ``supine``, ``prone``: lying on the back or the front, on the floor; ``hook_lying``: on the
  back with the knees bent and the feet on the floor (the sit-up's start), pitched so that
  both the back and the feet touch;
- ``supine_on_table``, ``prone_on_table``: lying on an examination table;
- ``thomas_test``: on the back at the end of the table, the legs free to hang over its end.

Bones do not touch a floor: skin, fat and muscle lie between (:data:`ALLOWANCE_MM`), so each
bone's lowest point rests that far above what it lies on.

Plain numpy, no import from the rest of the model: the rig (:mod:`.kinematics`) asks it for
the turn of the whole body and the renderer for the props.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

#: Soft tissue between a segment's bones and a surface it rests on (mm), round values for
#: placing the skeleton plausibly: the heel pad under the calcaneus (20 mm unloaded, about
#: 12 mm loaded: Uzel et al. 2006, Joint Bone Spine 73:196-9), the thin tissue over the
#: patella and tibial tuberosity, the posterior thigh, the buttocks (5.6-32 mm under the
#: ischial tuberosity sitting on foam, Sonenblum et al. 2020, J Tissue Viability 29:69-75;
#: lying on the back, the gluteal muscles behind the ilium carry the pelvis further up), the
#: back over the spinous processes, scapulae and occiput.
ALLOWANCE_MM = {"foot": 12.0, "tibia": 8.0, "patella": 8.0, "femur": 20.0, "pelvis": 40.0, "vertebra": 15.0}

#: Props' sizes (mm): an examination table's top and height, a chair's parts.
TABLE_WIDTH, TABLE_HEIGHT, TABLE_THICKNESS = 650.0, 750.0, 60.0
SEAT_THICKNESS, BACKREST_HEIGHT, BACKREST_THICKNESS, LEG_SIDE = 40.0, 450.0, 30.0, 40.0
FLOOR_SIDE, FLOOR_THICKNESS = 3000.0, 20.0
#: The floor is centred under the pelvis, its centre snapped to this grid (mm): a leg or the
#: trunk moved over a still pelvis leaves the floor where it was, so the drawn floor is not
#: rebuilt each frame of a slider's drag; 1.5 m each way still reaches past the hands of a
#: body lying with its arms overhead.
FLOOR_GRID = 200.0
#: The pitch a levelling posture may give the whole body to rest on two places (degrees).
MAX_PITCH = 35.0
_SIDES = ("right", "left")
#: The joint angles (degrees) of sitting on the chair a ``rising`` body leaves: the thighs
#: level and the shanks upright, the seat at knee height; the pelvis tilted back 18.3 deg and
#: the lumbar lordosis 16.6 deg flatter than standing (the change from standing to sitting in
#: 50 healthy adults: J Orthop Sci 2012, 17:682-686, doi:10.1007/s00776-012-0281-1), as the
#: rise from a chair starts (``activities/sit_to_stand.yaml``).
CHAIR_POSE = {
    **{f"{joint}_{side}": 90.0 for joint in ("hip_flexion", "knee_flexion") for side in ("right", "left")},
    "pelvic_tilt": -18.3,
    "lumbar_flexion": 16.6,
}

FEET = ("foot_right", "foot_left")
THIGHS = ("femur_right", "femur_left")
TRUNK = ("pelvis", "vertebra_l5", "vertebra_l4", "vertebra_l3", "vertebra_l2", "vertebra_l1", "vertebra_t12")
#: The arms lie on what the trunk lies on (they hang from the shoulders, on T12).
BACK = (*TRUNK, "arm_right", "arm_left")
LEGS = tuple(f"{bone}_{side}" for side in ("right", "left") for bone in ("femur", "patella", "tibia", "foot"))


def _turn_x(degrees: float) -> np.ndarray:
    """4x4 turn about the room's x axis (right hand): + brings the front (+y) up (+z)."""
    t = math.radians(degrees)
    c, s = math.cos(t), math.sin(t)
    out = np.eye(4)
    out[1:3, 1:3] = [[c, -s], [s, c]]
    return out


@dataclass(frozen=True)
class Rest:
    """Segments that rest on a surface of the room (``floor``, ``seat`` or ``table``)."""

    segments: tuple[str, ...]
    on: str


@dataclass(frozen=True)
class Posture:
    name: str
    label: str
    #: Turn of the body about the room's x axis before any levelling: 0 upright, 90 on the
    #: back (the front faces up, the head points to -y), -90 on the front.
    lying: float
    rests: tuple[Rest, ...]
    #: Pitch the body so that both rests touch (the kneeling lunge, hook lying).
    level: bool = False
    #: The furniture the posture needs besides the floor: "", "chair", "chair_left" (the
    #: chair a rising body leaves), "table", "table_end".
    furniture: str = ""


POSTURES: dict[str, Posture] = {
    p.name: p
    for p in (
        Posture("standing", "Standing", 0.0, (Rest(FEET, "floor"),)),
        Posture(
            "sitting",
            "Sitting on a chair",
            0.0,
            (Rest(FEET, "floor"), Rest(("pelvis", *THIGHS), "seat")),
            False,
            "chair",
        ),
        Posture("rising", "Rising from a chair", 0.0, (Rest(FEET, "floor"),), False, "chair_left"),
        Posture(
            "kneeling",
            "Kneeling",
            0.0,
            tuple(
                Rest((f"patella_{side}", f"tibia_{side}", f"foot_{side}"), "floor")
                for side in ("right", "left")
            ),
            level=True,
        ),
        Posture("supine", "Lying on the back", 90.0, (Rest(BACK, "floor"),)),
        Posture(
            "hook_lying",
            "Lying on the back, knees bent",
            90.0,
            (Rest(BACK, "floor"), Rest(FEET, "floor")),
            level=True,
        ),
        Posture("prone", "Lying face down", -90.0, (Rest((*BACK, *LEGS), "floor"),)),
        Posture(
            "supine_on_table",
            "Lying on the back on a table",
            90.0,
            (Rest((*BACK, *LEGS), "table"),),
            False,
            "table",
        ),
        Posture(
            "prone_on_table",
            "Lying face down on a table",
            -90.0,
            (Rest((*BACK, *LEGS), "table"),),
            False,
            "table",
        ),
        Posture(
            "thomas_test",
            "On the back at the end of a table",
            90.0,
            (Rest(BACK, "table"),),
            False,
            "table_end",
        ),
    )
}
STANDING = "standing"


def allowance(segment: str) -> float:
    """The soft tissue under ``segment``'s bones (mm)."""
    return next((mm for start, mm in ALLOWANCE_MM.items() if segment.startswith(start)), 15.0)


class Support:
    """The points of each segment's bones that can touch a surface (the extremes of its
    hull), read once when first needed: a lying or kneeling pose needs them, standing does
    not."""

    def __init__(self, load: Callable[[], Mapping[str, np.ndarray]]):
        self._load = load

    @cached_property
    def points(self) -> dict[str, np.ndarray]:
        return {segment: np.asarray(p, dtype=float) for segment, p in self._load().items() if len(p)}


def extremes(vertices: np.ndarray, directions: int = 162) -> np.ndarray:
    """The vertices furthest along each of ``directions`` spread over the sphere: the few
    points of a bone that can be its lowest, however it is turned."""
    vertices = np.asarray(vertices, dtype=float)
    if len(vertices) <= directions:
        return vertices
    i = np.arange(directions) + 0.5  # a Fibonacci sphere
    polar = np.arccos(1 - 2 * i / directions)
    azimuth = math.pi * (1 + 5**0.5) * i
    sphere = np.column_stack(
        [np.cos(azimuth) * np.sin(polar), np.sin(azimuth) * np.sin(polar), np.cos(polar)]
    )
    return vertices[np.unique(np.argmax(vertices @ sphere.T, axis=0))]


def _rest_height(posed: Mapping[str, np.ndarray], segments: tuple[str, ...], turn: np.ndarray) -> float:
    """How high the lowest of ``segments`` would rest (its lowest point less the tissue
    under it) with the whole body turned by ``turn`` (inf when none has support)."""
    low = math.inf
    for segment in segments:
        points = posed.get(segment)
        if points is not None and len(points):
            z = points @ turn[2, :3] + turn[2, 3]
            low = min(low, float(z.min()) - allowance(segment))
    return low


def body_turn(name: str, posed: Mapping[str, np.ndarray] | None) -> np.ndarray:
    """4x4 turn of the whole body about the origin for posture ``name``, given the support
    points of each segment as the joints place them (``posed``; None: no levelling)."""
    posture = POSTURES[name]
    lying = _turn_x(posture.lying)
    if not posture.level or not posed:
        return lying
    first, second = posture.rests[:2]

    def mismatch(pitch: float) -> float:
        turn = _turn_x(pitch) @ lying
        return _rest_height(posed, first.segments, turn) - _rest_height(posed, second.segments, turn)

    grid = np.arange(-MAX_PITCH, MAX_PITCH + 0.5, 1.0)
    values = np.array([mismatch(p) for p in grid])
    if not np.isfinite(values).all():
        return lying
    crossings = np.flatnonzero(np.sign(values[:-1]) != np.sign(values[1:]))
    if len(crossings) == 0:
        return _turn_x(float(grid[np.argmin(np.abs(values))])) @ lying
    k = crossings[np.argmin(np.abs(grid[crossings]))]  # the crossing nearest to no pitch
    lo, hi, f_lo = float(grid[k]), float(grid[k + 1]), float(values[k])
    for _ in range(24):
        mid = (lo + hi) / 2
        f_mid = mismatch(mid)
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return _turn_x((lo + hi) / 2) @ lying


@dataclass(frozen=True)
class Prop:
    """A piece of furniture (or the floor) as axis-aligned boxes, each (low corner, high
    corner) in the room's frame (mm)."""

    name: str
    boxes: tuple[tuple[tuple[float, float, float], tuple[float, float, float]], ...]

    @property
    def top(self) -> float:
        return max(hi[2] for _, hi in self.boxes)


@dataclass(frozen=True)
class Placement:
    """Where the body is: its posture, the turn that puts it there and what it rests on."""

    posture: str
    turn: np.ndarray = field(repr=False)
    #: Heights (mm) of the surfaces the body rests on, by name (``floor``, ``seat``, ``table``).
    surfaces: dict[str, float]
    props: tuple[Prop, ...]


def _box(lo: np.ndarray | list[float], hi: np.ndarray | list[float]) -> tuple:
    lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
    return tuple(round(float(v), 1) for v in lo), tuple(round(float(v), 1) for v in hi)


def _legs(x0: float, x1: float, y0: float, y1: float, bottom: float, top: float) -> list[tuple]:
    s = LEG_SIDE
    return [_box([x, y, bottom], [x + s, y + s, top]) for x in (x0, x1 - s) for y in (y0, y1 - s)]


def place(
    name: str,
    turn: np.ndarray,
    placed: Mapping[str, np.ndarray],
    seated: tuple[Placement, Mapping[str, np.ndarray]] | None = None,
) -> Placement:
    """The floor and furniture under a body whose support points are ``placed`` (in the
    room, already turned by ``turn``), each surface as high as what rests on it allows. A
    ``rising`` body leaves the chair of ``seated`` (the placement of :data:`CHAIR_POSE`
    sitting, and its support points) where its feet say it stands."""
    posture = POSTURES[name]
    every = np.vstack([p for p in placed.values() if len(p)]) if placed else np.zeros((1, 3))
    surfaces: dict[str, float] = {}
    for rest in posture.rests:
        height = _rest_height(placed, rest.segments, np.eye(4))
        surfaces[rest.on] = min(surfaces.get(rest.on, math.inf), height)
    props = []
    if posture.furniture == "chair":
        props.append(_chair(placed, surfaces))
    elif posture.furniture == "chair_left" and seated is not None:
        props.append(_chair_left(seated, placed, surfaces))
    elif posture.furniture in ("table", "table_end"):
        table, floor = _table(posture, placed, surfaces["table"])
        surfaces["floor"] = floor
        props.append(table)
    lowest = min(_rest_height(placed, tuple(placed), np.eye(4)), surfaces.get("floor", math.inf))
    floor = surfaces.setdefault("floor", lowest)
    pelvis = placed.get("pelvis")
    under = pelvis if pelvis is not None and len(pelvis) else every
    middle: np.ndarray = np.round((under.min(axis=0) + under.max(axis=0)) / 2 / FLOOR_GRID) * FLOOR_GRID
    half = FLOOR_SIDE / 2
    props.insert(
        0,
        Prop(
            "floor",
            (
                _box(
                    [middle[0] - half, middle[1] - half, floor - FLOOR_THICKNESS],
                    [middle[0] + half, middle[1] + half, floor],
                ),
            ),
        ),
    )
    return Placement(name, turn, {k: round(v, 1) for k, v in surfaces.items()}, tuple(props))


def _chair(placed: Mapping[str, np.ndarray], surfaces: dict[str, float]) -> Prop:
    """A seat under the buttocks and the back of the thighs (its front edge short of the
    knees, so the shanks hang free), legs to the floor and a backrest behind the trunk."""
    pelvis = placed.get("pelvis", np.zeros((1, 3)))
    thighs = np.vstack([placed.get(s, np.zeros((0, 3))) for s in THIGHS])
    back = float(pelvis[:, 1].min()) - 40.0
    front = float(thighs[:, 1].max()) - 110.0 if len(thighs) else float(pelvis[:, 1].max())
    under = {s: p[p[:, 1] <= front] for s, p in placed.items() if s in ("pelvis", *THIGHS)}
    seat = _rest_height(under, tuple(under), np.eye(4))
    surfaces["seat"] = seat
    floor = surfaces.get("floor", seat - 450.0)
    # As wide as the pelvis and thighs: the arms hang free beside it.
    x0, x1 = float(pelvis[:, 0].min()), float(pelvis[:, 0].max())
    if len(thighs):
        x0, x1 = min(x0, float(thighs[:, 0].min())), max(x1, float(thighs[:, 0].max()))
    # The backrest stands behind whatever of the trunk is within its height.
    trunk = np.vstack([placed[s] - [0, allowance(s), 0] for s in TRUNK if s in placed])
    beside = trunk[(trunk[:, 2] > seat) & (trunk[:, 2] < seat + BACKREST_HEIGHT)]
    rest_front = min(back, float(beside[:, 1].min()) if len(beside) else back)
    boxes = [
        _box([x0, back, seat - SEAT_THICKNESS], [x1, front, seat]),
        *_legs(x0, x1, back, front, floor, seat - SEAT_THICKNESS),
        _box([x0, rest_front - BACKREST_THICKNESS, seat], [x1, rest_front, seat + BACKREST_HEIGHT]),
    ]
    return Prop("chair", tuple(boxes))


def _chair_left(
    seated: tuple[Placement, Mapping[str, np.ndarray]],
    placed: Mapping[str, np.ndarray],
    surfaces: dict[str, float],
) -> Prop:
    """The chair sat on in ``seated``, moved as the feet have moved since (across and along
    the room: the feet do not slide off it) and down to this floor: rising from it, the body
    leaves it where it stood."""
    placement, seated_points = seated
    chair = next(p for p in placement.props if p.name == "chair")
    feet = [s for s in FEET if s in placed and s in seated_points]
    shift = np.zeros(3)
    if feet:
        now = np.vstack([placed[s] for s in feet]).mean(axis=0)
        before = np.vstack([seated_points[s] for s in feet]).mean(axis=0)
        shift[:2] = (now - before)[:2]
    shift[2] = surfaces["floor"] - placement.surfaces["floor"]
    surfaces["seat"] = placement.surfaces["seat"] + float(shift[2])
    return Prop("chair", tuple(_box(np.add(lo, shift), np.add(hi, shift)) for lo, hi in chair.boxes))


def _table(posture: Posture, placed: Mapping[str, np.ndarray], top: float) -> tuple[Prop, float]:
    """An examination table under the lying body (its head end beyond the head), and the
    floor under it. At the table's end (``table_end``) it stops where the legs hang below
    its top, so they hang free over the end."""
    every = np.vstack(list(placed.values()))
    head_to = -1.0 if posture.lying > 0 else 1.0  # on the back the head points to -y
    along = every[:, 1] * head_to  # larger: nearer the head
    head_end = float(along.max()) + 80.0
    foot_end = float(along.min()) - 80.0
    if posture.furniture == "table_end":  # the buttocks at the edge, the legs free of it
        foot_end = float((placed["pelvis"][:, 1] * head_to).min()) - 20.0 if "pelvis" in placed else foot_end
        below = [p[(p[:, 2] - allowance(s)) < top - 1.0] for s, p in placed.items() if s not in BACK]
        hanging = np.vstack(below) if below else np.zeros((0, 3))
        if len(hanging):
            foot_end = max(foot_end, float((hanging[:, 1] * head_to).max()) + 5.0)
    y_a, y_b = head_end * head_to, foot_end * head_to
    middle = float(np.median(every[:, 0]))
    x0, x1 = middle - TABLE_WIDTH / 2, middle + TABLE_WIDTH / 2
    lowest = float((every[:, 2]).min()) - 20.0
    floor = min(top - TABLE_HEIGHT, lowest)
    y0, y1 = min(y_a, y_b), max(y_a, y_b)
    boxes = [
        _box([x0, y0, top - TABLE_THICKNESS], [x1, y1, top]),
        *_legs(x0, x1, y0, y1, floor, top - TABLE_THICKNESS),
    ]
    return Prop("table", tuple(boxes)), floor
