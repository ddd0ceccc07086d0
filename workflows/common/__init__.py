"""Pieces shared by activities of several workflows."""
