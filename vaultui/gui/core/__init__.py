"""The app's groundwork: the Qt shim, workers, garbage-collection policy, settings, icons."""
