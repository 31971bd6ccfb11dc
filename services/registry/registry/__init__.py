"""Registry service: Directories every draw is taken from: departments, market entities (with full history), inspectors, experts, recusals; canonical draw-v1 frames as of any registry version."""
