"""orbitlapse: render space scenes seen from orbit to video with the GPU."""

__version__ = "0.1.0"
