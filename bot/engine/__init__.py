"""The dialogue engine: decide the reply for one turn. Pure: no HTTP, no SQL inside."""
