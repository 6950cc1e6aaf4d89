"""Number formats of our own where Django's locale differs from what our readers expect."""
