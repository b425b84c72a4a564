"""The Berichtenbox's service layer: one callable per incoming event or citizen action."""
