"""Hot reload on a real X server: an edit shows up, a bad edit keeps the window and the
last good scene, and the look printed by P pasted into the file gives the same picture."""

from __future__ import annotations

import tomllib

import numpy as np
from PIL import Image

from tests.preview.earth_in_image import DAY_SCENE, assert_day_earth, luminance, write_day_scene


def test_saving_the_scene_reloads_it_and_a_bad_edit_keeps_the_last_good_one(
    preview, tmp_path, artifacts
):
    path = write_day_scene(tmp_path)
    p = preview(path, "--paused", "--width", "320")
    p.request("hud")
    assert_day_earth(p.grab(), "before the edit")

    # Look straight down: the window fills with sunlit ground, no space left.
    nadir = DAY_SCENE.replace("elevation_deg = -20", "elevation_deg = -90")
    path.write_text(nadir)
    s = p.wait_for(lambda s: s["reloads"] == 1, "the edited scene to be reloaded")
    assert s["elevation_deg"] == -90.0 and s["error"] is None
    good = p.grab()
    Image.fromarray(good).save(artifacts / "preview_reloaded_nadir.png")
    assert luminance(good[:72]).mean() > 60.0, "the top of the window is not ground after the edit"
    assert luminance(good).min() > 15.0
    assert any("reloaded" in line for line in p.stderr)

    # An invalid value: the window stays, shows the error in red, keeps drawing the nadir view.
    path.write_text(nadir.replace("fov_deg = 60", "fov_deg = 200"))
    s = p.wait_for(lambda s: s["error"] is not None, "the bad edit to be reported")
    assert "camera.fov_deg" in s["error"] and s["reloads"] == 1 and p.alive()
    assert s["fov_deg"] == 60.0 and s["elevation_deg"] == -90.0
    assert any(
        "camera.fov_deg" in line and "keeping the last good scene" in line for line in p.stderr
    ), "the error is not on standard error"
    shot = p.grab()
    Image.fromarray(shot).save(artifacts / "preview_bad_edit.png")
    changed = np.any(shot != good, axis=2)
    rows = np.nonzero(changed.any(axis=1))[0]
    assert rows.size, "no error text drawn: the window did not change"
    assert rows.max() < 120, "the error text is not confined to the top"
    reddish = (shot[..., 0].astype(int) > 200) & (shot[..., 1] < 140) & (shot[..., 2] < 140)
    assert np.count_nonzero(reddish & changed) > 50, "no red error text on the window"
    assert np.array_equal(shot[130:], good[130:]), "the last good scene is no longer shown"

    # A TOML syntax error is refused the same way.
    path.write_text(nadir.replace("[camera.look]", "[camera.look"))
    s = p.wait_for(
        lambda s: s["error"] is not None and "camera.fov_deg" not in s["error"],
        "the syntax error to be reported",
    )
    assert p.alive() and s["reloads"] == 1

    # Fixing the file clears the error.
    path.write_text(nadir.replace("ev100 = 14.0", "ev100 = 16.0"))
    s = p.wait_for(lambda s: s["reloads"] == 2, "the fixed scene to be reloaded")
    assert s["error"] is None
    darker = p.grab()
    # Two stops less exposure: the same ground, darker everywhere.
    assert np.mean(luminance(darker) < luminance(good)) > 0.99
    assert luminance(darker).mean() < 0.8 * luminance(good).mean()


def test_printed_look_pasted_into_the_scene_gives_the_same_picture(preview, tmp_path):
    path = write_day_scene(tmp_path)
    p = preview(path, "--paused", "--width", "320")
    p.request("hud")
    p.request("step 4")
    p.request("drag 40 -25")  # look left and down
    p.request("zoom 2")  # narrower
    steered = p.grab()
    s = p.status()
    assert s["turned"] and s["fov_deg"] < 60.0

    text = p.request("print")["toml"]
    assert text in "".join(p.printed)  # P writes the same lines to standard output
    printed = tomllib.loads(text)["camera"]
    assert abs(printed["fov_deg"] - s["fov_deg"]) < 1e-3
    assert abs(printed["look"]["azimuth_deg"] - s["azimuth_deg"]) < 1e-3
    assert abs(printed["look"]["elevation_deg"] - s["elevation_deg"]) < 1e-3

    # Paste: replace fov_deg in [camera] and the [camera.look] table by the printed lines.
    pasted = (
        DAY_SCENE.replace("[camera]\nfov_deg = 60\n", "").replace(
            "[camera.look]\nazimuth_deg = 0\nelevation_deg = -20\n", ""
        )
        + "\n"
        + text
    )
    path.write_text(pasted)
    s = p.wait_for(lambda s: s["reloads"] == 1, "the pasted look to be reloaded")
    assert s["error"] is None and not s["turned"], "the file's look should now be in charge"
    assert s["frame"] == 4
    again = p.grab()
    diff = np.abs(again.astype(int) - steered.astype(int))
    assert diff.mean() < 1.0, f"pasted look draws a different picture (mean diff {diff.mean()})"
    assert luminance(steered).mean() > 50.0  # and not because both are black


def test_slow_machine_lowers_internal_resolution(preview, tmp_path, artifacts):
    """A budget no frame can meet: the internal size halves down to the floor, the HUD
    says so, and the upscaled frame still shows the Earth where it belongs."""
    p = preview(write_day_scene(tmp_path), "--width", "640", "--frame-budget", "0.001")
    s = p.wait_for(lambda s: s["internal"] == [160, 90], "the internal size to drop to 160x90")
    assert s["lowered"] and s["viewport"] == [640, 360]
    assert any("internal 160x90" in t and "lowered from 640x360" in t for t in s["hud_text"])
    p.request("pause")
    p.request("hud")
    shot = p.grab()
    Image.fromarray(shot).save(artifacts / "preview_lowered.png")
    assert shot.shape == (360, 640, 3)
    assert_day_earth(shot, "upscaled window")


def test_printed_keyframe_pasted_into_the_scene_gives_the_same_picture(preview, tmp_path):
    """``k`` half way through a pan: the printed [[camera.keyframe]], pasted into the
    scene without its moves, draws the frame that was shown."""
    from tests.preview.test_controls import PAN_KEYS

    path = tmp_path / "pan.toml"
    path.write_text(DAY_SCENE + PAN_KEYS)
    p = preview(path, "--paused", "--width", "320")
    p.request("hud")
    p.request("step 9")  # 0.9 s: between the keys at 0.4 and 1.6 s
    shown = p.grab()
    text = p.request("keyframe")["toml"]
    assert text in "".join(p.printed)  # K writes the same lines to standard output
    (key,) = tomllib.loads(text)["camera"]["keyframe"]
    assert key["t_s"] == 0.9 and 40.0 < key["fov_deg"] < 60.0

    path.write_text(DAY_SCENE + "\n" + text)
    s = p.wait_for(lambda s: s["reloads"] == 1, "the pasted keyframe to be reloaded")
    assert s["error"] is None and s["frame"] == 9
    again = p.grab()
    diff = np.abs(again.astype(int) - shown.astype(int))
    assert diff.mean() < 1.0, f"pasted keyframe draws a different picture (mean diff {diff.mean()})"
    assert luminance(shown).mean() > 50.0  # and not because both are black
