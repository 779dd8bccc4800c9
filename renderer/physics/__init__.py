"""What shines and how bright, without GL: colour, photometry, the camera's response,
stars, airglow, night lights, clouds and launches (light sources and their paths)."""
