"""Transfers into and out of vaults: the record, the queue model, the panel."""
