"""Navigation: place search, route planning (with EV charging stops), and the car's destination."""
