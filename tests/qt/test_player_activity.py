"""Playing an activity's measured cycle (walking) in the real window's Play tab."""

from __future__ import annotations

import itertools

from app.model.motion.activities import ActivityTrack


def test_the_play_tab_plays_walking_round_and_round(qtbot, window):
    window.motion_dock.raise_()
    bar, player, scene = window.play_bar, window.player, window.scene
    walking = scene.body.activities["walking"]
    bar.activity.setCurrentIndex(bar.activity.findData("walking"))
    assert bar.loop.isChecked() and not bar.start.isEnabled()  # a cycle loops; the poses are not used
    assert "children" in bar.phase.text() and "Walking" in bar.title()
    player.clock = itertools.count(0.0, 0.2).__next__  # a fifth of a second a frame
    seen = []
    scene.pose_changed.connect(seen.append)
    bar.toggle()
    assert player.playing and isinstance(player.tween, ActivityTrack)
    qtbot.waitUntil(lambda: player.elapsed > 1.5, timeout=20_000)  # past one stride (1.1 s)
    assert player.playing  # looping round, not stopped at the cycle's end
    assert "% of the cycle" in bar.phase.text() and "right leg" in bar.phase.text()
    bar.toggle()
    assert not player.playing and bar.activity.isEnabled()
    fractions = {round(walking.track().fraction(0.2 * i), 3) for i in range(1, 8)}
    assert len({p["knee_flexion_right"] for p in seen}) >= 5 and len(fractions) >= 5
    assert scene.pose == walking.track().at(player.elapsed, loop=True)
    bar.activity.setCurrentIndex(0)  # back to a movement between poses
    assert bar.start.isEnabled() and bar.phase.isHidden()
