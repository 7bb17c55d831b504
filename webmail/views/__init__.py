"""Blueprints by area: ``auth``, ``mail``, ``settings``, ``errors``; ``access`` is their seam."""
