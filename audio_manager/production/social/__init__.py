"""Social videos: a version's audio as square, vertical and wide MP4s with burned-in captions.

``captions`` cuts a script into caption cues and writes them as SRT, WebVTT and ASS;
``timing`` finds the speech's pauses (ffmpeg ``silencedetect``) and times the sentences to
them; ``image`` checks an office's logo or background by its bytes; ``video`` builds the
ffmpeg filter graph (card or image, title, waveform, captions through libass) and encodes.

Pure library code like the rest of :mod:`audio_manager.production`; may import its siblings.
"""
