"""Who says each sentence of a news article: cues, phrases and the article's names."""
