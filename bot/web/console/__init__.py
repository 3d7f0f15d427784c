"""The agents' web console: static pages served at /console/."""
