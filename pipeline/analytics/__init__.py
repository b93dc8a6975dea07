"""Search analytics for editors: what agents look for and find, or do not (issue 17).

The server records searches and agents' events (:mod:`.store`), queries masked first
(:mod:`.masking`); ``csguide report`` reads them back per language (:mod:`.report`).
"""
