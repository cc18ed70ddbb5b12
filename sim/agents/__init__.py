"""Agents: residents (居民; state in NumPy arrays, each one a Mesa agent), the community's
institutions, and the street, district and city; plus the residents' bulk submodels
(participation, wellbeing and fees)."""
