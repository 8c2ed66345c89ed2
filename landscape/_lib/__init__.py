"""The numerics library of landscape: tolerance policy, activations, networks, training,
certification, kernels, canonical space, search.  It imports nothing of the core or the claims.

Private: claim authors use :mod:`landscape.numerics` and :mod:`landscape.strategies`.
"""
