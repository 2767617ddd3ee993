"""The main window: its widgets, and the actions and menus it offers."""
