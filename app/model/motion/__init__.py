"""The body in motion: joints and poses, playback between poses, bones moved rigidly and soft
tissue deformed with them, and the muscles' lengths and moment arms."""
