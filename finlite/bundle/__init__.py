"""The bundle contract the apps mirror: format versions, the manifest and its file hashes, the
artifact kinds, post-processing primitives and the runners of exported artifacts.

The ground floor of finlite: :mod:`finlite.export` writes bundles through it, :mod:`finlite.runtime`
reads them through it; it imports nothing else of finlite but :mod:`finlite.errors`.
"""
