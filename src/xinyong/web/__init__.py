"""The web layer: FastAPI routers for the API and Jinja2 pages. Thin over the services."""
