"""csguide's HTTP search API (arrives with the Search API issue); reads only published indexes."""
