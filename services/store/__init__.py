"""The netwave database: models, migrations and repository functions."""
