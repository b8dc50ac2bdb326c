"""The complaints API: the case list and file by role, intake, each step of the handling
as its own action, the agency's response, and the public status lookup."""
