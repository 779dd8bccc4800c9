"""Scene -> per-frame state, as float64 NumPy arrays, with no GL.

CONTRACT (implemented by the timeline work; the GL passes and frame loop rely on it):

    build_timeline(scene: Scene, sim_s: np.ndarray) -> Timeline

``sim_s`` are simulated seconds after ``scene.time.start_utc`` (any times, not only
frame centres: motion-blur sub-frames use the same call).  Every array has N rows,
one per entry of ``sim_s``.  World space is the GCRS in km; km/s for velocities.

    Timeline.sim_s            (N,)      float64, as given
    Timeline.jd_tt            (N,)      Julian date, TT
    Timeline.utc              tuple[datetime, ...] (aware, UTC)
    Timeline.camera_pos_km    (N, 3)    GCRS geocentric camera position
    Timeline.camera_vel_km_s  (N, 3)    GCRS velocity
    Timeline.camera_right     (N, 3)    unit; image +x in world space (roll applied)
    Timeline.camera_up        (N, 3)    unit; image +y (up) in world space
    Timeline.camera_forward   (N, 3)    unit; the view axis (image centre)
    Timeline.itrs_from_gcrs   (N, 3, 3) r_itrs = M @ r_gcrs (precession, nutation, ERA, polar motion)
    Timeline.sun_km           (N, 3)    GCRS geocentric Sun position
    Timeline.moon_km          (N, 3)    GCRS geocentric Moon position
    Timeline.vehicles_km      (L, N, 3) GCRS position of each launch's vehicle (NaN before lift-off)

A pixel with centre (px, py), px from the left edge, py from the BOTTOM edge (GL's
gl_FragCoord convention), looks along
    forward + (px - W/2)/f * right + (py - H/2)/f * up,   f = (W/2) / tan(fov_deg/2)
which is SCENE_FORMAT.md's pinhole (x = W/2 (1 + tan a / tan(fov/2))).
"""
