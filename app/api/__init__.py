"""HTTP and WebSocket routes: thin handlers over ``app.services``."""
