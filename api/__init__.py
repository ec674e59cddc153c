"""Kluis's outer layer: the HTTP service (``create_app``) and the ``kluis`` command line (``api.cli``)."""

from api.app import create_app

__all__ = ["create_app"]
