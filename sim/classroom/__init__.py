"""The classroom: one shared community played in roles (room, decisions, debrief, pages)."""
