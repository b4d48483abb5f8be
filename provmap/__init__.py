"""provmap: provision mapping and management for schools and trusts."""
