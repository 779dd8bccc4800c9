"""From frames to files: the codec table, ffmpeg, the writer and the pipelined frame loop."""
