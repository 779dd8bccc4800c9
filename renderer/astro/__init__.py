"""Float64 geometry without GL: ``constants`` (the only copy of WGS84, GM, J2, the AU),
``geodesy`` (the ellipsoid), ``ephemeris`` (skyfield: time, Earth orientation, Sun, Moon,
planets) and ``orbits`` (the camera's orbit).
"""
