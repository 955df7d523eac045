"""Media-professional accounts, password policy and reset codes."""
