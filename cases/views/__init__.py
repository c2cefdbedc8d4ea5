"""HTML pages of the intake, one module per area; cases/urls.py joins their routes."""
