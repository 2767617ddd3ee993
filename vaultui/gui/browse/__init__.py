"""Browsing an unlocked vault: the two views, their models, drag and drop."""
