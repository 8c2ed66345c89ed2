"""Paper-specific claims, one module per paper.

* :mod:`landscape.claims.lds` -- Li, Ding, Sun (``004_c552a5c94484e66a.txt``)
* :mod:`landscape.claims.jiang` -- Jiang (``000_aea297099283b0eb.txt``)

Claim modules import the machinery; the machinery never imports them.
"""
