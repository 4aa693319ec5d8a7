"""EV charging: stations, sessions and the OCPI CommandResult callback."""
