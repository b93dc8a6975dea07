"""csguide's ingest pipeline: content/<lang>/*.txt in, one published search index per language out.

Stages live in their own modules (load, normalise, langcheck, segment, index, publish) and are
composed in :mod:`pipeline.ingest`. :mod:`pipeline.search` is the read side of what is published.
"""
