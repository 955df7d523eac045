"""Media processing with ffmpeg and moviepy: probe, renditions, posters, clips."""
